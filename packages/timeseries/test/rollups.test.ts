// The rollups: on plain PostgreSQL the minutes refreshed from raw rows, the hours rolled up from the minutes, equal to
// an aggregation of the raw rows whatever the order of writes, late rows and replays; and a refresh costs the
// minutes it was given, not the hour around them.
import fc from 'fast-check';
import {
  HistorianQueries,
  migrate,
  PgliteDatabase,
  refreshRollupRanges,
  refreshRollups,
  type Database,
  type PgDatabase,
  type Queryable,
  type RollupRange,
} from '../src';
import { dropSchema, HOUR, MINUTE, openPostgres, SECOND, T0, uniqueSchema } from './support';

jest.setTimeout(120_000);

const schema = uniqueSchema('rollup');
let db: PgDatabase;

beforeAll(async () => {
  db = openPostgres();
  await migrate(db, { schema, timescale: 'off' });
});

afterAll(async () => {
  await dropSchema(db, schema);
  await db.close();
});

interface RawRow {
  signalId: number;
  timeUs: number;
  /** null: a text sample, counted but without a value. */
  value: number | null;
}

/** Writes rows as the historian would on a replay: a row at an existing (signal, time) replaces it. */
async function writeRaw(rows: readonly RawRow[], target: Database = db): Promise<void> {
  if (rows.length === 0) return;
  await target.query(
    `INSERT INTO "${schema}".telemetry (signal_id, time, value, value_text)
     SELECT s, TIMESTAMPTZ 'epoch' + us * INTERVAL '1 microsecond', v, CASE WHEN v IS NULL THEN 'text' END
       FROM unnest($1::int4[], $2::int8[], $3::float8[]) AS r(s, us, v)
     ON CONFLICT (signal_id, time) DO UPDATE SET value = excluded.value, value_text = excluded.value_text`,
    [rows.map((r) => r.signalId), rows.map((r) => r.timeUs), rows.map((r) => r.value)],
  );
}

interface BucketRow {
  bucket: string;
  signal_id: number;
  avg_value: number | null;
  min_value: number | null;
  max_value: number | null;
  last_value: number | null;
  sample_count: string;
}

const ROLLUP_COLUMNS =
  'bucket::text, signal_id, avg_value, min_value, max_value, last_value, sample_count::text';

async function stored(table: string, target: Database = db): Promise<BucketRow[]> {
  return (
    await target.query<BucketRow>(
      `SELECT ${ROLLUP_COLUMNS} FROM "${schema}".${table} ORDER BY signal_id, bucket`,
    )
  ).rows;
}

/** A bucket aggregated from the raw rows, with the mean magnitude of its values: the scale of its rounding. */
interface RawBucketRow extends BucketRow {
  magnitude: number | null;
}

/** The rollup as aggregated straight from every raw row: what the tables must hold. */
async function fromRaw(interval: string, target: Database = db): Promise<RawBucketRow[]> {
  return (
    await target.query<RawBucketRow>(
      `SELECT ${ROLLUP_COLUMNS}, magnitude FROM (
         SELECT date_bin(INTERVAL '${interval}', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, signal_id,
                avg(value) AS avg_value, min(value) AS min_value, max(value) AS max_value,
                (array_agg(value ORDER BY time DESC))[1] AS last_value, count(*) AS sample_count,
                avg(abs(value)) AS magnitude
           FROM "${schema}".telemetry GROUP BY 1, 2) AS raw
        ORDER BY signal_id, bucket`,
    )
  ).rows;
}

/**
 * Equal, the average to floating-point precision. A sum of minute sums adds in another order than one sum, and
 * where large values cancel (1e6, 0.1, -1e6) the error of each addition is relative to the values added, not to
 * the small sum left: the tolerance scales with the bucket's mean magnitude, not with its average.
 */
function expectSameRollup(actual: BucketRow[], expected: RawBucketRow[]): void {
  expect(actual.map(({ avg_value: _, ...rest }) => rest)).toEqual(
    expected.map(({ avg_value: _, magnitude: __, ...rest }) => rest),
  );
  actual.forEach((row, i) => {
    const want = expected[i]?.avg_value ?? null;
    if (want === null) expect(row.avg_value).toBeNull();
    else
      expect(Math.abs((row.avg_value ?? NaN) - want)).toBeLessThanOrEqual(
        1e-12 * Math.max(1, expected[i]?.magnitude ?? 0),
      );
  });
}

async function clear(): Promise<void> {
  await db.execute(`TRUNCATE "${schema}".telemetry, "${schema}".telemetry_1m, "${schema}".telemetry_1h`);
}

function rangeOf(rows: readonly RawRow[]): RollupRange {
  const times = rows.map((row) => row.timeUs);
  return { fromUs: Math.min(...times), toUs: Math.max(...times) };
}

// A batch of rows over three hours: values with fractions (sums that round), text samples, and times on the
// microsecond, so late rows and replays land inside minutes and hours already refreshed.
const rowArbitrary = fc.record({
  signalId: fc.integer({ min: 1, max: 3 }),
  timeUs: fc
    .integer({ min: 0, max: 3 * 60 * 60 - 1 })
    .chain((second) =>
      fc.integer({ min: 0, max: 2 }).map((micro) => T0 + 40 * MINUTE + second * SECOND + micro),
    ),
  value: fc.option(
    fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      // Large values that cancel beside small ones: sums whose rounding depends on the order of addition.
      fc.constantFrom(1e6, -1e6, -999_999.7, 0.1, 0.3),
    ),
    { freq: 8 },
  ),
});

describe('rollups on plain PostgreSQL', () => {
  it('equal the raw aggregates after any sequence of writes, late rows and replays, each refreshed as written', async () => {
    await fc.assert(
      fc.asyncProperty(
        // One row per (signal, time) within a batch, as the historian writes it: a statement cannot update the
        // same row twice (a seed that drew a pair failed in writeRaw, not in the rollups).
        fc.array(
          fc.uniqueArray(rowArbitrary, {
            minLength: 1,
            maxLength: 40,
            selector: (row) => `${row.signalId}:${row.timeUs}`,
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 3 }),
        async (batches, perRefresh) => {
          await clear();
          // Batches written, some replayed (the same rows again), refreshed a few at a time as the refresher does.
          const written = [...batches, ...batches.filter((_, i) => i % 3 === 1)];
          for (let start = 0; start < written.length; start += perRefresh) {
            const group = written.slice(start, start + perRefresh);
            for (const batch of group) await writeRaw(batch);
            await refreshRollupRanges(db, { schema, backend: 'postgres', ranges: group.map(rangeOf) });
          }
          expectSameRollup(await stored('telemetry_1m'), await fromRaw('1 minute'));
          expectSameRollup(await stored('telemetry_1h'), await fromRaw('1 hour'));
        },
      ),
      // A counterexample is reported, shrunk as far as a minute allows, before the test's own timeout: a run cut
      // short by jest went on writing in the background under the next tests and failed them too.
      { numRuns: 25, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  });

  it('rolls the hour up from the minutes, exactly where the average of a minute is rounded', async () => {
    await clear();
    // 0.1 + 0.2 + 0.4 per minute: avg * count is not the sum in binary floating point.
    const rows = [0, 1, 2].flatMap((minute) =>
      [0.1, 0.2, 0.4].map((value, i) => ({ signalId: 1, timeUs: T0 + minute * MINUTE + i * SECOND, value })),
    );
    await writeRaw(rows);
    await refreshRollups(db, { schema, backend: 'postgres', ...rangeOf(rows) });
    const [hour] = await stored('telemetry_1h');
    const [raw] = await fromRaw('1 hour');
    expect(hour).toEqual({ ...raw, magnitude: undefined });
  });

  it('reads only the raw rows of the minutes refreshed, not the rest of their hour or table', async () => {
    await clear();
    // 20,000 rows a minute over 4 signals: the hour's 40 minutes fill many BRIN block ranges (128 pages each).
    const rowsPerMinute = 20_000;
    const writeMinutes = (first: number, count: number) =>
      db.query(
        `INSERT INTO "${schema}".telemetry (signal_id, time, value)
         SELECT 1 + n % 4, TIMESTAMPTZ 'epoch' + ($1::int8 + n / 4 * 12000) * INTERVAL '1 microsecond', n % 1000
           FROM generate_series(0, $2::int8 - 1) AS n`,
        [T0 + first * MINUTE, count * rowsPerMinute],
      );
    await writeMinutes(0, 40);
    await refreshRollups(db, { schema, backend: 'postgres', fromUs: T0, toUs: T0 + 40 * MINUTE - 1 });
    const { rows } = await db.query<{ options: string[] | null }>(
      `SELECT reloptions AS options FROM pg_class WHERE oid = $1::regclass`,
      [`"${schema}".telemetry_time_brin`],
    );
    expect(rows[0]?.options).toContain('autosummarize=on');

    await writeMinutes(40, 1);
    const reads = rawRowsRead(db);
    await refreshRollups(reads.db, {
      schema,
      backend: 'postgres',
      fromUs: T0 + 40 * MINUTE,
      toUs: T0 + 41 * MINUTE - 1,
    });
    // The minute's rows, and the newest row of each of the 4 signals looked up again by key for its last value.
    expect(reads.aggregated()).toBe(rowsPerMinute + 4);
    // What the scans looked at, filtered out included: the minute's block ranges, not the 41 minutes stored.
    expect(reads.examined()).toBeLessThan((41 * rowsPerMinute) / 5);
    expectSameRollup(await stored('telemetry_1h'), await fromRaw('1 hour'));
    expect(await stored('telemetry_1m')).toHaveLength(41 * 4);
  });

  it('rolls up an hour of subnormal values instead of failing its refresh for ever', async () => {
    // The counterexample of a CI run: the hour's average underflowed, and float8 division raised an error.
    await clear();
    const rows = [
      { signalId: 2, timeUs: T0, value: -6.4e-323 },
      { signalId: 2, timeUs: T0 + MINUTE + 1, value: 6e-323 },
    ];
    await writeRaw(rows);
    await refreshRollupRanges(db, { schema, backend: 'postgres', ranges: [rangeOf(rows)] });
    expectSameRollup(await stored('telemetry_1h'), await fromRaw('1 hour'));
  });

  it('serves a bucket of several rollup rows of subnormal values instead of failing the query', async () => {
    // The range query re-averages minutes (or hours) into wider buckets with the same float8 division that failed
    // the hour refresh: an average that rounds below the smallest normal double raised 'underflow' for the API.
    await clear();
    const rows = [
      { signalId: 3, timeUs: T0, value: 6e-323 },
      { signalId: 3, timeUs: T0 + MINUTE, value: -6.4e-323 },
      { signalId: 3, timeUs: T0 + 2 * MINUTE, value: null },
    ];
    await writeRaw(rows);
    await refreshRollupRanges(db, { schema, backend: 'postgres', ranges: [rangeOf(rows)] });
    const queries = new HistorianQueries(db, { schema });
    for (const bucket of ['5m', '1h']) {
      const [fromRollup] = await queries.rangeQuery({
        signalIds: [3],
        fromUs: T0,
        toUs: T0 + HOUR,
        bucket,
        source: 'rollup',
      });
      expect(fromRollup).toMatchObject({ min: -6.4e-323, max: 6e-323, count: 3 });
      // The exact mean, -2e-324, is below the least subnormal: 0 (or -0).
      expect(Math.abs(fromRollup?.avg ?? Infinity)).toBeLessThan(1e-322);
    }
  });

  it('refreshes an hour shared by several ranges once, and leaves the minutes between them alone', async () => {
    await clear();
    const rows = [0, 30, 59].map((minute) => ({ signalId: 1, timeUs: T0 + minute * MINUTE, value: minute }));
    await writeRaw(rows);
    const windows = await refreshRollupRanges(db, {
      schema,
      backend: 'postgres',
      ranges: rows.map((row) => ({ fromUs: row.timeUs, toUs: row.timeUs })),
    });
    expect(windows).toEqual([
      ...[0, 30, 59].map((minute) => ({
        table: 'telemetry_1m',
        fromUs: T0 + minute * MINUTE,
        toUs: T0 + (minute + 1) * MINUTE,
      })),
      { table: 'telemetry_1h', fromUs: T0, toUs: T0 + HOUR },
    ]);
    expect(await stored('telemetry_1h')).toMatchObject([
      { avg_value: 89 / 3, last_value: 59, sample_count: '3' },
    ]);
  });
});

describe('rollups on TimescaleDB', () => {
  it('refreshes the continuous aggregates over several ranges to the raw aggregates', async () => {
    const pglite = await PgliteDatabase.create();
    try {
      await migrate(pglite, { schema });
      const rows = [0, 1, 70, 130].flatMap((minute) =>
        [0.1, 0.2, 0.4].map((value, i) => ({
          signalId: 1 + i,
          timeUs: T0 + minute * MINUTE + i * SECOND,
          value,
        })),
      );
      await writeRaw(rows, pglite);
      await refreshRollupRanges(pglite, {
        schema,
        ranges: [rangeOf(rows.slice(0, 6)), rangeOf(rows.slice(6, 9)), rangeOf(rows.slice(9))],
      });
      expectSameRollup(await stored('telemetry_1m', pglite), await fromRaw('1 minute', pglite));
      expectSameRollup(await stored('telemetry_1h', pglite), await fromRaw('1 hour', pglite));
      expect(await stored('telemetry_1h', pglite)).toHaveLength(9);
    } finally {
      await pglite.close();
    }
  });
});

/**
 * A database whose statements reading raw telemetry run under EXPLAIN ANALYZE (which runs them), adding up, as
 * counted by the server, the raw rows they aggregate and the raw rows their scans examined (filtered out included).
 */
function rawRowsRead(target: PgDatabase): { db: Database; aggregated: () => number; examined: () => number } {
  const counted = { aggregated: 0, examined: 0 };
  const readsRaw = new RegExp(`"${schema}"\\.telemetry(?![_a-z0-9])`);
  const counting = (inner: Queryable): Queryable => ({
    query: async <T extends object>(sql: string, params?: readonly unknown[]) => {
      if (!readsRaw.test(sql)) return inner.query<T>(sql, params);
      const plan = await inner.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      const rows = scannedRows(plan.rows[0]?.['QUERY PLAN']);
      counted.aggregated += rows.aggregated;
      counted.examined += rows.examined;
      return { rows: [], rowCount: 0 };
    },
    execute: (sql) => inner.execute(sql),
  });
  // Whatever else the database carries (its engine, ...) comes from the real one.
  const db: Database = Object.assign(Object.create(target) as PgDatabase, {
    ...counting(target),
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => target.transaction((tx) => work(counting(tx))),
  });
  return { db, aggregated: () => counted.aggregated, examined: () => counted.examined };
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
  Plan?: PlanNode;
}

/** Rows the scans of raw telemetry passed up, and those they examined (a parallel scan counts each worker's). */
function scannedRows(plan: unknown): { aggregated: number; examined: number } {
  const total = { aggregated: 0, examined: 0 };
  const visit = (node: PlanNode): void => {
    if (node['Relation Name'] === 'telemetry') {
      const loops = node['Actual Loops'] ?? 1;
      const passed = (node['Actual Rows'] ?? 0) * loops;
      total.aggregated += passed;
      total.examined +=
        passed +
        ((node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * loops;
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  for (const root of Array.isArray(plan) ? (plan as PlanNode[]) : [])
    if (root.Plan !== undefined) visit(root.Plan);
  return total;
}
