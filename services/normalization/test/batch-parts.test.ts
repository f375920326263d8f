// A handled batch larger than maxBatchSamples is stored and checkpointed in parts (batch-split.ts): the parts
// cover every record once, in order, and a failure in a later part replays from the last durable part without
// storing or counting anything twice.
import { InProcessBus, type BusRecord, type DecodedBatch } from '@kiln/bus';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MemoryHotState, type Database, type Queryable } from '@kiln/timeseries';
import fc from 'fast-check';
import { splitBySamples } from '../src/batch-split';
import { testDatabase, type TestDatabase } from './support/db';
import { PIPELINE_TOPICS, publishRaw, startPipeline } from './support/pipeline';
import { testPlant } from './support/plant';
import { expectExactlyOnce, ROWS_PER_TICK, ticks } from './support/ticks';

interface Event {
  readonly samples: readonly number[];
}

function record(offset: number): BusRecord {
  return {
    topic: 'raw',
    partition: 0,
    offset: String(offset),
    key: '',
    value: new Uint8Array(),
    headers: {},
    timestamp: 0,
  };
}

/** Records 0..sizes.length-1; a size of -1 is a record the decoder refused (no event). */
function decodedBatch(sizes: readonly number[]): DecodedBatch<Event> {
  const records = sizes.map((_, offset) => record(offset));
  const events = sizes.flatMap((size, offset) =>
    size < 0
      ? []
      : [{ record: records[offset] ?? record(offset), event: { samples: Array<number>(size).fill(0) } }],
  );
  return { topic: 'raw', partition: 0, records, events };
}

const never = (): boolean => false;

describe('splitBySamples', () => {
  it('leaves a batch within the limit whole', () => {
    const batch = decodedBatch([3, 3, 3]);
    expect(splitBySamples(batch, 9, never)).toEqual([batch]);
  });

  it('cuts before the record that would pass the limit, a larger record being a part alone', () => {
    const parts = splitBySamples(decodedBatch([4, 4, 4, 20, 1]), 8, never);
    expect(parts.map((part) => part.records.map((r) => r.offset))).toEqual([['0', '1'], ['2'], ['3'], ['4']]);
  });

  it('keeps refused records with the part they follow and counts skipped records as no samples', () => {
    const parts = splitBySamples(decodedBatch([5, -1, 5, 5, -1]), 5, (offset) => offset === '2');
    expect(parts.map((part) => part.records.map((r) => r.offset))).toEqual([
      ['0', '1', '2'],
      ['3', '4'],
    ]);
    expect(parts.map((part) => part.events.map((e) => e.record.offset))).toEqual([['0', '2'], ['3']]);
  });

  it('covers every record once, in order, with no part over the limit unless one record carries its samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1, max: 12 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        (sizes, limit) => {
          const batch = decodedBatch(sizes);
          const parts = splitBySamples(batch, limit, never);
          expect(parts.flatMap((part) => part.records)).toEqual(batch.records);
          expect(parts.flatMap((part) => part.events)).toEqual(batch.events);
          for (const part of parts) {
            const samples = part.events.reduce((sum, e) => sum + e.event.samples.length, 0);
            // Records without samples ride along with the next record that has some.
            const carrying = part.events.filter((e) => e.event.samples.length > 0).length;
            if (carrying > 1) expect(samples).toBeLessThanOrEqual(limit);
            // A part's checkpoint names its last record: one of its events' unless it is the batch's last part.
            const lastEvent = part.events[part.events.length - 1];
            if (part !== parts[parts.length - 1] && lastEvent !== undefined)
              expect(part.records[part.records.length - 1]).toBe(lastEvent.record);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describeWith(['postgres'], 'a handled batch in parts', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await testDatabase();
  });

  afterEach(async () => {
    await database.drop();
  });

  it('checkpoints each part and replays from the last durable part after a failure', async () => {
    const bus = new InProcessBus({ service: 'normalization-test', drainTimeoutMs: 1_000 });
    await bus.provision(PIPELINE_TOPICS);
    const plant = testPlant();
    let saves = 0;
    let countWrites = 0;
    // The fourth part's production counts fail to be written, in the middle of a batch of several parts: nothing
    // of that part is durable but its telemetry, so its replay must start from the state saved after the third
    // part, not a later one, or its counter deltas are lost.
    const flaky = failingOn(database.db, (sql) => {
      if (sql.includes('normalizer_state') && sql.startsWith('INSERT')) saves += 1;
      if (!sql.includes('production_counts') || !sql.startsWith('INSERT')) return false;
      countWrites += 1;
      return countWrites === 4;
    });
    await publishRaw(bus, ticks(plant, 0, 60));
    const samplesPerRecord = ticks(plant, 0, 1)[0]?.samples.length ?? 0;
    const pipeline = await startPipeline({
      bus,
      db: flaky,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      // Batches of up to 50 records, parts of 3.
      section: { maxBatchSize: 50, maxBatchSamples: 3 * samplesPerRecord },
    });
    await waitUntil(
      async () =>
        (await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)) === ROWS_PER_TICK * 60,
      { timeoutMs: 20_000, what: 'every row' },
    );
    await waitUntil(async () => saves >= 20, { timeoutMs: 10_000, what: 'the last part checkpointed' });
    await pipeline.lifecycle.stopAll();
    await bus.close();
    expect(countWrites).toBeGreaterThan(4);
    await expectExactlyOnce(database, plant, 60);
  });
});

/** The database with statements matching `fails` throwing, as a dropped connection would. */
function failingOn(db: Database, fails: (sql: string) => boolean): Database {
  const guard = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      if (fails(sql.trim())) return Promise.reject(new Error('connection terminated unexpectedly'));
      return target.query(sql, params);
    },
    execute: (sql) => target.execute(sql),
  });
  const direct = guard(db);
  return {
    engine: db.engine,
    query: direct.query,
    execute: direct.execute,
    transaction: (work) => db.transaction((tx) => work(guard(tx))),
    close: () => db.close(),
  };
}
