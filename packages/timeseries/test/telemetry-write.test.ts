// The telemetry write path on each engine: binary COPY on node-postgres (straight, or through the staging table
// on a replay), UNNEST on PGlite with TimescaleDB's hypertable, and UNNEST on node-postgres when a wrapper hides
// COPY. Every path stores the same values and counts the same new rows.
import { MAX_TIME_US, Quality, type TelemetryBatch, type TelemetryPoint, type Value } from '@kiln/contracts';
import {
  HistorianWriter,
  InvalidArgumentError,
  migrate,
  PgliteDatabase,
  TELEMETRY_COPY_COLUMNS,
  TelemetryCopyEncoder,
  type Database,
  type PgDatabase,
  type Queryable,
} from '../src';
import { POSTGRES_EPOCH_US } from '../src/binary-copy';
import { dropSchema, openPostgres, SECOND, T0, uniqueSchema } from './support';

jest.setTimeout(120_000);

const ASSET = 'acme/plant-1/pressing/line-2/press-04';

function point(signal: string, timeUs: number, kind: Value['kind'] | null, quality = Quality.QUALITY_GOOD) {
  return {
    signal,
    value: kind === null ? undefined : { kind },
    quality,
    timeUs,
    receiveTimeUs: timeUs,
    unit: 'Cel',
  } satisfies TelemetryPoint;
}

const num = (value: number): Value['kind'] => ({ $case: 'numberValue', value });

/** The given database with `copyFrom` hidden, as a wrapper that knows only query and execute would be. */
function withoutCopy(db: Database): Database {
  const plain = (target: Queryable): Queryable => ({
    query: (sql, params) => target.query(sql, params),
    execute: (sql) => target.execute(sql),
  });
  return {
    engine: db.engine,
    ...plain(db),
    transaction: (work) => db.transaction((tx) => work(plain(tx))),
    close: () => db.close(),
  };
}

/** The given database whose transactions fail after their work, before COMMIT: a crash at the worst moment. */
function crashingBeforeCommit(db: Database): Database {
  return {
    engine: db.engine,
    query: (sql, params) => db.query(sql, params),
    execute: (sql) => db.execute(sql),
    ...(db.copyFrom === undefined ? {} : { copyFrom: db.copyFrom.bind(db) }),
    transaction: (work) =>
      db.transaction(async (tx) => {
        await work(tx);
        throw new Error('crashed before commit');
      }),
    close: () => db.close(),
  };
}

interface Stored {
  signal: string;
  timeUs: string;
  value: number | null;
  valueText: string | null;
  quality: number;
}

let postgres: PgDatabase;
let pglite: PgliteDatabase;

beforeAll(async () => {
  postgres = openPostgres();
  pglite = await PgliteDatabase.create();
}, 120_000);

afterAll(async () => {
  await postgres.close();
  await pglite.close();
});

describe('PgDatabase.copyFrom outside a transaction', () => {
  const schema = uniqueSchema('twc');

  beforeAll(async () => {
    await migrate(postgres, { schema });
  });

  afterAll(async () => {
    await dropSchema(postgres, schema);
  });

  it('copies and counts, and a refused COPY rejects with the server error and keeps the pool usable', async () => {
    const encoder = new TelemetryCopyEncoder();
    for (let k = 0; k < 3; k++) encoder.add(1, T0 + k, k, null, 1);
    const data = encoder.finish();
    const sql = `COPY "${schema}".telemetry ${TELEMETRY_COPY_COLUMNS} FROM STDIN (FORMAT binary)`;
    expect(await postgres.copyFrom(sql, data)).toBe(3);
    await expect(postgres.copyFrom(sql, data)).rejects.toMatchObject({ code: '23505' });
    const { rows } = await postgres.query<{ n: number }>(
      `SELECT count(*)::int4 AS n FROM "${schema}".telemetry`,
    );
    expect(rows[0]?.n).toBe(3);
  });
});

describe.each([
  { path: 'binary COPY on PostgreSQL', open: () => postgres, copies: true },
  { path: 'UNNEST on PostgreSQL without COPY', open: () => withoutCopy(postgres), copies: false },
  { path: 'UNNEST on PGlite with a TimescaleDB hypertable', open: () => pglite, copies: false },
])('telemetry through $path', ({ open, copies }) => {
  const schema = uniqueSchema('tw');
  let db: Database;
  let writer: HistorianWriter;

  beforeAll(async () => {
    db = open();
    await migrate(db, { schema });
    // Three rows per statement: the UNNEST path splits every write below into several statements.
    writer = new HistorianWriter(db, { schema, maxRowsPerStatement: 3 });
  });

  afterAll(async () => {
    if (db.engine === 'postgres') await dropSchema(db, schema);
  });

  async function stored(signals: readonly string[]): Promise<Stored[]> {
    const { rows } = await db.query<Stored>(
      `SELECT s.name AS signal, (extract(epoch FROM t.time) * 1000000)::int8::text AS "timeUs", t.value,
              t.value_text AS "valueText", t.quality
         FROM "${schema}".telemetry t JOIN "${schema}".signals s ON s.id = t.signal_id
        WHERE s.asset_id = $1 AND s.name = ANY($2::text[])
        ORDER BY s.name, t.time`,
      [ASSET, [...signals]],
    );
    return rows;
  }

  it('offers COPY exactly where it should', () => {
    expect(db.copyFrom !== undefined).toBe(copies);
  });

  it('stores every value kind as the row mapping says and skips waveforms', async () => {
    const t = T0 + 7;
    const batch: TelemetryBatch = {
      assetId: ASSET,
      points: [
        point('k-number', t, num(21.5)),
        point('k-tiny', t, num(5e-324)),
        point('k-huge', t, num(-1.7976931348623157e308)),
        point('k-negative-zero', t, num(-0)),
        point('k-nan', t, num(Number.NaN)),
        point('k-inf', t, num(Infinity)),
        point('k-minus-inf', t, num(-Infinity)),
        point('k-int', t, { $case: 'intValue', value: Number.MAX_SAFE_INTEGER }),
        point('k-true', t, { $case: 'boolValue', value: true }),
        point('k-false', t, { $case: 'boolValue', value: false }),
        point('k-text', t, { $case: 'stringValue', value: 'Öl 温度 🌡️ "quoted", {braced}\\ \n' }),
        point('k-empty-text', t, { $case: 'stringValue', value: '' }),
        point('k-none', t, null, Quality.QUALITY_BAD),
        point('k-uncertain', t, num(1), Quality.QUALITY_UNCERTAIN),
        point('k-wave', t, { $case: 'arrayValue', value: { values: [1, 2] } }),
      ],
    };
    const result = await writer.writeTelemetryBatches([batch]);
    expect(result).toEqual({ received: 14, inserted: 14, fromUs: t, toUs: t, skippedWaveforms: 1 });
    const rows = await stored(batch.points.map((p) => p.signal));
    const bySignal = new Map(rows.map((row) => [row.signal, row]));
    const time = String(t);
    expect(bySignal.get('k-number')).toEqual({
      signal: 'k-number',
      timeUs: time,
      value: 21.5,
      valueText: null,
      quality: 1,
    });
    expect(bySignal.get('k-tiny')?.value).toBe(5e-324);
    expect(bySignal.get('k-huge')?.value).toBe(-1.7976931348623157e308);
    expect(Object.is(bySignal.get('k-negative-zero')?.value, 0)).toBe(true);
    expect(bySignal.get('k-nan')?.value).toBeNaN();
    expect(bySignal.get('k-inf')?.value).toBe(Infinity);
    expect(bySignal.get('k-minus-inf')?.value).toBe(-Infinity);
    expect(bySignal.get('k-int')?.value).toBe(Number.MAX_SAFE_INTEGER);
    expect([bySignal.get('k-true')?.value, bySignal.get('k-false')?.value]).toEqual([1, 0]);
    expect(bySignal.get('k-text')).toMatchObject({
      value: null,
      valueText: 'Öl 温度 🌡️ "quoted", {braced}\\ \n',
    });
    expect(bySignal.get('k-empty-text')).toMatchObject({ value: null, valueText: '' });
    expect(bySignal.get('k-none')).toMatchObject({
      value: null,
      valueText: null,
      quality: Quality.QUALITY_BAD,
    });
    expect(bySignal.get('k-uncertain')?.quality).toBe(Quality.QUALITY_UNCERTAIN);
    expect(bySignal.has('k-wave')).toBe(false);
    const { rows: types } = await db.query<{ name: string; data_type: string }>(
      `SELECT name, data_type FROM "${schema}".signals WHERE name IN ('k-int', 'k-true', 'k-text', 'k-none')
        ORDER BY name`,
    );
    // A point without a value says no type: the signal is stored with an empty one, as before.
    expect(types.map((r) => [r.name, r.data_type])).toEqual([
      ['k-int', 'integer'],
      ['k-none', ''],
      ['k-text', 'string'],
      ['k-true', 'boolean'],
    ]);
  });

  it('stores times to the microsecond before 2000, before 1970 and up to MAX_TIME_US', async () => {
    const times = [0, -1, -MAX_TIME_US, POSTGRES_EPOCH_US - 1, POSTGRES_EPOCH_US, T0 + 123, MAX_TIME_US];
    const result = await writer.writeTelemetryBatches([
      { assetId: ASSET, points: times.map((timeUs, i) => point('edge-time', timeUs, num(i))) },
    ]);
    expect(result).toMatchObject({ received: 7, inserted: 7, fromUs: -MAX_TIME_US, toUs: MAX_TIME_US });
    const rows = await stored(['edge-time']);
    expect(rows.map((row) => [row.timeUs, row.value])).toEqual(
      times.map((timeUs, i) => [String(timeUs), i]).sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it('refuses a time that is not finite and stores nothing of its batch', async () => {
    const batch = {
      assetId: ASSET,
      points: [point('bad-time', T0, num(1)), point('bad-time', Number.NaN, num(2))],
    };
    await expect(writer.writeTelemetryBatches([batch])).rejects.toThrow(InvalidArgumentError);
    expect(await stored(['bad-time'])).toEqual([]);
  });

  it('inserts nothing for a replayed batch and only the new rows of a partly replayed one', async () => {
    const batch = (from: number, to: number): TelemetryBatch => ({
      assetId: ASSET,
      points: Array.from({ length: to - from }, (_, k) =>
        point('replayed', T0 + (from + k) * SECOND, num(from + k)),
      ),
    });
    expect(await writer.writeTelemetryBatches([batch(0, 10)])).toMatchObject({ received: 10, inserted: 10 });
    expect(await writer.writeTelemetryBatches([batch(0, 10)])).toMatchObject({ received: 10, inserted: 0 });
    expect(await writer.writeTelemetryBatches([batch(5, 15)])).toMatchObject({ received: 10, inserted: 5 });
    // The staging table holds nothing from the writes before: a new batch again counts only its own rows.
    expect(await writer.writeTelemetryBatches([batch(15, 20)])).toMatchObject({ received: 5, inserted: 5 });
    const rows = await stored(['replayed']);
    expect(rows.map((row) => row.value)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('counts a replay spanning many COPY pages whose stored row comes first or last', async () => {
    const many = (first: number, count: number): TelemetryBatch => ({
      assetId: ASSET,
      points: Array.from({ length: count }, (_, k) => point('many', T0 + (first + k) * 1000, num(k))),
    });
    // The default statement size: the UNNEST paths would take 2,000 statements of three rows.
    const wide = new HistorianWriter(db, { schema });
    expect(await wide.writeTelemetryBatches([many(0, 1)])).toMatchObject({ inserted: 1 });
    // The server refuses the COPY at its first tuple, while most pages are still to be sent.
    expect(await wide.writeTelemetryBatches([many(0, 6000)])).toMatchObject({
      received: 6000,
      inserted: 5999,
    });
    // ... or at its last tuple.
    expect(await wide.writeTelemetryBatches([many(6000, 5999), many(0, 1)])).toMatchObject({
      received: 6000,
      inserted: 5999,
    });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int4 AS n FROM "${schema}".telemetry t JOIN "${schema}".signals s ON s.id = t.signal_id
        WHERE s.name = 'many'`,
    );
    expect(rows[0]?.n).toBe(11_999);
  });

  it('keeps the first of two samples of one signal and time within a batch', async () => {
    const result = await writer.writeTelemetryBatches([
      { assetId: ASSET, points: [point('twice', T0, num(1)), point('twice', T0 + 1, num(2))] },
      { assetId: ASSET, points: [point('twice', T0, num(3)), point('twice', T0 + 2, num(4))] },
    ]);
    expect(result).toMatchObject({ received: 4, inserted: 3 });
    expect((await stored(['twice'])).map((row) => row.value)).toEqual([1, 2, 4]);
  });

  it('leaves nothing when the transaction rolls back, on the straight and on the staging path', async () => {
    const crashing = new HistorianWriter(crashingBeforeCommit(db), { schema, maxRowsPerStatement: 3 });
    const fresh = {
      assetId: ASSET,
      points: [point('rolled-back', T0, num(1)), point('rolled-back', T0 + 1, num(2))],
    };
    const withDuplicate = { assetId: ASSET, points: [...fresh.points, point('rolled-back', T0, num(9))] };
    await expect(crashing.writeTelemetryBatches([fresh])).rejects.toThrow('crashed before commit');
    await expect(crashing.writeTelemetryBatches([withDuplicate])).rejects.toThrow('crashed before commit');
    expect(await stored(['rolled-back'])).toEqual([]);
    expect(await writer.writeTelemetryBatches([withDuplicate])).toMatchObject({ received: 3, inserted: 2 });
    expect((await stored(['rolled-back'])).map((row) => row.value)).toEqual([1, 2]);
  });

  it('writes rows of known ids and named rows as before, and a new writer finds the stored ids', async () => {
    const id = await writer.signalId(ASSET, 'by-id');
    expect(
      await writer.writeTelemetry([{ signalId: id, timeUs: T0, value: 1, valueText: null, quality: 1 }]),
    ).toEqual({ received: 1, inserted: 1, fromUs: T0, toUs: T0 });
    const named = await writer.writeNamedTelemetry([
      { signal: { assetId: ASSET, name: 'by-id' }, timeUs: T0 + 1, value: 2, valueText: null, quality: 1 },
      { signal: { assetId: ASSET, name: 'by-name' }, timeUs: T0, value: null, valueText: 'on', quality: 1 },
    ]);
    expect(named).toEqual({ received: 2, inserted: 2, fromUs: T0, toUs: T0 + 1 });
    const other = new HistorianWriter(db, { schema });
    expect(await other.signalId(ASSET, 'by-id')).toBe(id);
    const ids = await other.upsertSignals([{ assetId: ASSET, name: 'by-name' }]);
    expect([...ids.keys()]).toEqual([`${ASSET}\u0000by-name`]);
    expect(await other.writeTelemetryBatches([])).toEqual({ received: 0, inserted: 0, skippedWaveforms: 0 });
  });
});
