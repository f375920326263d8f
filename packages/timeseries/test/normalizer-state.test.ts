// Where normalization keeps each raw partition's Normalizer state, on both backends: the handled position and the
// snapshot survive as saved (an offset past 2^53 included), a save replaces the partition's row, a table of an
// earlier version gains the newer columns, and the unmapped tags of all partitions read as one list.
import { emptyStats, type NormalizerSnapshot, type UnmappedTag } from '@kiln/asset-model';
import { NormalizerStateStore, PgliteDatabase, type Database } from '../src';
import { openPostgres, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

const snapshot = (unmapped: UnmappedTag[] = []): NormalizerSnapshot => ({
  version: 1,
  channels: {
    'mqtt/hall-1|press/temp': { lastTimeUs: T0, emitted: { value: 21.5, quality: 0, timeUs: T0 } },
  },
  assets: {},
  unmapped,
  stats: emptyStats(),
});

const tag = (sourceId: string, name: string, count: number, lastSeenUs: number): UnmappedTag => ({
  sourceId,
  tag: name,
  reason: 'no-rule',
  detail: 'no mapping rule matches',
  count,
  firstSeenUs: T0,
  lastSeenUs,
});

function stateStoreContract(backend: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(`NormalizerStateStore on ${backend}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    let schema: string;
    let store: NormalizerStateStore;

    beforeAll(async () => {
      ({ db, close } = await open());
    }, 120_000);

    beforeEach(async () => {
      schema = uniqueSchema('nst');
      await db.execute(`CREATE SCHEMA "${schema}"`);
      store = new NormalizerStateStore(db, schema);
    });

    afterEach(async () => {
      await db.execute(`DROP SCHEMA "${schema}" CASCADE`);
    });

    afterAll(async () => {
      await close();
    });

    it('loads what was saved for a partition, and nothing for a partition never saved', async () => {
      await store.ensureTable();
      const lastOffset = 2n ** 60n + 7n;
      await store.save(
        3,
        { lastOffset, logEpoch: 'cluster-a/kiln.raw.v1', lastRecordDigest: 'abc' },
        snapshot(),
      );
      expect(await store.load(3)).toEqual({
        lastOffset,
        logEpoch: 'cluster-a/kiln.raw.v1',
        lastRecordDigest: 'abc',
        snapshot: snapshot(),
      });
      expect(await store.load(4)).toBeUndefined();
    });

    it("replaces a partition's row when saved again", async () => {
      await store.ensureTable();
      await store.save(0, { lastOffset: 10n, logEpoch: 'a', lastRecordDigest: 'd1' }, snapshot());
      const later = snapshot([tag('mqtt/hall-1', 'oven/temp', 2, T0)]);
      await store.save(0, { lastOffset: 11n, logEpoch: undefined }, later);
      expect(await store.load(0)).toEqual({
        lastOffset: 11n,
        logEpoch: undefined,
        lastRecordDigest: undefined,
        snapshot: later,
      });
    });

    it('adds the log id and digest columns to a table of an earlier version, its rows loading without them', async () => {
      await db.execute(`CREATE TABLE "${schema}".normalizer_state (
        partition integer PRIMARY KEY,
        last_offset bigint NOT NULL,
        snapshot jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
      await db.query(
        `INSERT INTO "${schema}".normalizer_state (partition, last_offset, snapshot) VALUES (1, 42, $1::jsonb)`,
        [JSON.stringify(snapshot())],
      );
      await store.ensureTable();
      expect(await store.load(1)).toEqual({
        lastOffset: 42n,
        logEpoch: undefined,
        lastRecordDigest: undefined,
        snapshot: snapshot(),
      });
    });

    it('lists no unmapped tags before normalization created the table', async () => {
      expect(await store.unmappedTags()).toEqual([]);
    });

    it("merges the partitions' unmapped tags and passes over a snapshot whose list does not parse", async () => {
      await store.ensureTable();
      const moved = tag('mqtt/hall-1', 'oven/temp', 5, T0 + 1);
      await store.save(0, { lastOffset: 1n, logEpoch: 'a' }, snapshot([moved]));
      await store.save(
        1,
        { lastOffset: 2n, logEpoch: 'a' },
        snapshot([{ ...moved, count: 3, lastSeenUs: T0 + 9 }, tag('opcua/line-2', 'ns=2;s=Speed', 1, T0)]),
      );
      await db.query(
        `INSERT INTO "${schema}".normalizer_state (partition, last_offset, snapshot) VALUES (2, 3, $1::jsonb)`,
        [JSON.stringify({ unmapped: [{ sourceId: 'broken' }] })],
      );
      expect(await store.unmappedTags()).toEqual([
        { ...moved, count: 8, lastSeenUs: T0 + 9 },
        tag('opcua/line-2', 'ns=2;s=Speed', 1, T0),
      ]);
    });
  });
}

stateStoreContract('PostgreSQL', async () => {
  const db = openPostgres();
  return { db, close: () => db.close() };
});

stateStoreContract('TimescaleDB (PGlite)', async () => {
  const db = await PgliteDatabase.create();
  return { db, close: () => db.close() };
});
