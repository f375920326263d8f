// Recomputes the 1-minute and 1-hour telemetry rollups over time ranges. Late data is normal (docs/architecture.md
// section 5): whoever writes telemetry for a closed window refreshes the rollups of that window. On TimescaleDB
// this refreshes the continuous aggregates (their policies also catch up on their own). On plain PostgreSQL the
// cost follows what was written, not what is stored: only the minutes touching a range are re-aggregated from
// raw telemetry, and each hour touching one is rolled up from its (at most 60) minute rows, never from raw.
import type { Database, Queryable } from './database';
import { storageBackend } from './migrate';
import { ROLLUP_BRIN_INDEXES, ROLLUPS, type StorageBackend } from './migrations';
import { averageOfSums, ceilUs, checkedSchema, floorUs, InvalidArgumentError, timestampParam } from './sql';

export interface RollupRange {
  /** First and last sample time (inclusive) of the data that changed; every bucket touching it is recomputed. */
  fromUs: number;
  toUs: number;
}

export interface RefreshRollupsOptions extends RollupRange {
  schema?: string;
  /** Known backend of the schema; read from its migration history when omitted. */
  backend?: StorageBackend;
}

export interface RefreshRollupRangesOptions {
  schema?: string;
  backend?: StorageBackend;
  ranges: readonly RollupRange[];
}

export interface RefreshedWindow {
  table: string;
  fromUs: number;
  /** Exclusive. */
  toUs: number;
}

/** Both backends bin from the same origin, TimescaleDB's default for time_bucket (a Monday). */
export const BUCKET_ORIGIN = `TIMESTAMPTZ '2000-01-03 00:00:00+00'`;

const [MINUTE_ROLLUP, HOUR_ROLLUP] = ROLLUPS;

export async function refreshRollups(
  db: Database,
  options: RefreshRollupsOptions,
): Promise<RefreshedWindow[]> {
  const { schema, backend, fromUs, toUs } = options;
  return refreshRollupRanges(db, { schema, backend, ranges: [{ fromUs, toUs }] });
}

/**
 * Refreshes several ranges at once: on plain PostgreSQL in one transaction, each touched minute from raw rows
 * once and each touched hour from the minute rollup once, however many ranges share it. Returns the bucket-aligned
 * windows recomputed, minutes first, each list sorted and non-overlapping.
 */
export async function refreshRollupRanges(
  db: Database,
  options: RefreshRollupRangesOptions,
): Promise<RefreshedWindow[]> {
  const schema = checkedSchema(options.schema);
  for (const range of options.ranges) {
    if (!(range.toUs >= range.fromUs)) {
      throw new InvalidArgumentError(`refresh range ends (${range.toUs}) before it starts (${range.fromUs})`);
    }
  }
  if (options.ranges.length === 0) return [];
  const minutes = alignedWindows(options.ranges, MINUTE_ROLLUP.widthUs);
  // The minute windows end exclusively; the last minute they hold starts one minute before.
  const hours = alignedWindows(
    minutes.map((window) => ({ fromUs: window.fromUs, toUs: window.toUs - 1 })),
    HOUR_ROLLUP.widthUs,
  );
  const windows = [
    ...minutes.map((window) => ({ table: MINUTE_ROLLUP.table, ...window })),
    ...hours.map((window) => ({ table: HOUR_ROLLUP.table, ...window })),
  ];
  const backend = options.backend ?? (await storageBackend(db, schema));
  if (backend === 'timescaledb') {
    for (const window of windows) {
      // A procedure that refuses transaction blocks: plain text through the simple protocol.
      await db.execute(
        `CALL refresh_continuous_aggregate('"${schema}".${window.table}', ` +
          `TIMESTAMPTZ '${timestampParam(window.fromUs)}', TIMESTAMPTZ '${timestampParam(window.toUs)}')`,
      );
    }
    return windows;
  }
  await db.transaction(async (tx) => {
    // Serializes refreshers of the same schema so two of them never insert the same bucket; one lock for both
    // tables keeps an hour consistent with the minutes it was rolled up from.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`kiln.rollup.${schema}`]);
    // The only index on time alone is the BRIN one, and the newest minutes lie past the statistics' histogram, so
    // the planner underrates how selective the range is and scans the whole table: a cost growing with what is
    // stored. Without sequential scans it reads the block ranges holding the minutes, whatever the statistics say.
    await tx.query(`SET LOCAL enable_seqscan = off`);
    // The same misestimate (millions of rows where a minute holds what it holds) turns on JIT with inlining and
    // optimization: 3.4 s of compiling in a 7.8 s refresh of one minute at 100,000 samples/s (bench:e2e,
    // EXPLAIN ANALYZE), every run. And it plans a sort by bucket and signal that spills to disk at the default
    // 4 MB work_mem; with room, the groups (one per signal and minute) are hashed in memory.
    await tx.query(`SET LOCAL jit = off`);
    await tx.query(`SET LOCAL work_mem = '64MB'`);
    // BRIN treats a block range not yet summarized as matching every query, and only VACUUM or autovacuum's
    // autosummarize (migration 012) summarize them, late or never where autovacuum is off. Summarizing here costs
    // the pages written since the last refresh, what that refresh reads anyway.
    for (const index of ROLLUP_BRIN_INDEXES) {
      await tx.query(`SELECT brin_summarize_new_values($1::regclass)`, [`"${schema}".${index}`]);
    }
    for (const window of minutes) await replaceMinutes(tx, schema, window);
    for (const window of hours) await replaceHours(tx, schema, window);
  });
  return windows;
}

/**
 * The bucket-aligned windows (start inclusive, end exclusive) covering `ranges` (inclusive ends), sorted, with
 * overlapping or touching windows joined: no bucket appears twice, and no bucket that no range touches is added.
 */
export function alignedWindows(ranges: readonly RollupRange[], widthUs: number): RollupRange[] {
  const aligned = ranges
    .map((range) => ({ fromUs: floorUs(range.fromUs, widthUs), toUs: ceilUs(range.toUs + 1, widthUs) }))
    .sort((a, b) => a.fromUs - b.fromUs);
  const joined: RollupRange[] = [];
  for (const window of aligned) {
    const last = joined[joined.length - 1];
    if (last !== undefined && window.fromUs <= last.toUs) last.toUs = Math.max(last.toUs, window.toUs);
    else joined.push({ ...window });
  }
  return joined;
}

async function deleteBuckets(tx: Queryable, schema: string, table: string, from: string, to: string) {
  await tx.query(
    `DELETE FROM "${schema}".${table} WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
    [from, to],
  );
}

async function replaceMinutes(tx: Queryable, schema: string, window: RollupRange): Promise<void> {
  const from = timestampParam(window.fromUs);
  const to = timestampParam(window.toUs);
  await deleteBuckets(tx, schema, MINUTE_ROLLUP.table, from, to);
  // value_sum and value_count (migration 012) let the hour be rolled up exactly: avg_value * sample_count is
  // rounded, and sample_count also counts text samples, which have no value.
  // The last value is looked up by the newest time of each group in the primary key (signal_id, time): one index
  // probe per signal and minute. `array_agg(value ORDER BY time DESC)` sorted every row of the minute instead,
  // and at 80,000 samples/s a refresh took longer than the 15 s between refreshes (bench:e2e, issue 17).
  await tx.query(
    `INSERT INTO "${schema}".${MINUTE_ROLLUP.table}
            (bucket, signal_id, avg_value, min_value, max_value, last_value, sample_count, value_sum, value_count)
     SELECT minute.bucket, minute.signal_id, minute.avg_value, minute.min_value, minute.max_value, newest.value,
            minute.sample_count, minute.value_sum, minute.value_count
       FROM (SELECT date_bin(INTERVAL '${MINUTE_ROLLUP.interval}', time, ${BUCKET_ORIGIN}) AS bucket,
                    signal_id,
                    avg(value) AS avg_value,
                    min(value) AS min_value,
                    max(value) AS max_value,
                    max(time) AS newest_time,
                    count(*) AS sample_count,
                    sum(value) AS value_sum,
                    count(value) AS value_count
               FROM "${schema}".telemetry
              WHERE time >= $1::timestamptz AND time < $2::timestamptz
              GROUP BY 1, 2) AS minute
       JOIN "${schema}".telemetry AS newest
         ON newest.signal_id = minute.signal_id AND newest.time = minute.newest_time`,
    [from, to],
  );
}

// Minute rows written before migration 012 have no sums: their average times the samples with a value stands in
// (the numeric samples of a minute are all of them unless a signal mixes numbers and text).
const MINUTE_SUM = `coalesce(value_sum, avg_value * sample_count)`;
const MINUTE_VALUES = `coalesce(value_count, CASE WHEN avg_value IS NULL THEN 0 ELSE sample_count END)`;

// Guarded against underflow: an hour of subnormal values would otherwise fail its refresh, retried for ever.
const HOUR_AVERAGE = averageOfSums(`sum(${MINUTE_SUM})`, `sum(${MINUTE_VALUES})`);

async function replaceHours(tx: Queryable, schema: string, window: RollupRange): Promise<void> {
  const from = timestampParam(window.fromUs);
  const to = timestampParam(window.toUs);
  await deleteBuckets(tx, schema, HOUR_ROLLUP.table, from, to);
  await tx.query(
    `INSERT INTO "${schema}".${HOUR_ROLLUP.table}
            (bucket, signal_id, avg_value, min_value, max_value, last_value, sample_count)
     SELECT date_bin(INTERVAL '${HOUR_ROLLUP.interval}', bucket, ${BUCKET_ORIGIN}) AS hour,
            signal_id,
            ${HOUR_AVERAGE},
            min(min_value),
            max(max_value),
            (array_agg(last_value ORDER BY bucket DESC))[1],
            sum(sample_count)
       FROM "${schema}".${MINUTE_ROLLUP.table}
      WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz
      GROUP BY 1, 2`,
    [from, to],
  );
}
