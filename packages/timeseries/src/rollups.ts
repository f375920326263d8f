// Recomputes the 1-minute and 1-hour telemetry rollups over a time range. Late data is normal (docs/architecture.md
// section 5): whoever writes telemetry for a closed window refreshes the rollups of that window. On
// TimescaleDB this refreshes the continuous aggregates (their policies also catch up on their own); on plain
// PostgreSQL it replaces the rollup rows of every bucket touching the range.
import type { Database, Queryable } from './database';
import { storageBackend } from './migrate';
import { ROLLUPS, type StorageBackend } from './migrations';
import { ceilUs, checkedSchema, floorUs, InvalidArgumentError, timestampParam } from './sql';

export interface RefreshRollupsOptions {
  schema?: string;
  /** First and last sample time (inclusive) of the data that changed; every bucket touching it is recomputed. */
  fromUs: number;
  toUs: number;
  /** Known backend of the schema; read from its migration history when omitted. */
  backend?: StorageBackend;
}

export interface RefreshedWindow {
  table: string;
  fromUs: number;
  /** Exclusive. */
  toUs: number;
}

/** Both backends bin from the same origin, TimescaleDB's default for time_bucket (a Monday). */
export const BUCKET_ORIGIN = `TIMESTAMPTZ '2000-01-03 00:00:00+00'`;

export async function refreshRollups(
  db: Database,
  options: RefreshRollupsOptions,
): Promise<RefreshedWindow[]> {
  const schema = checkedSchema(options.schema);
  if (!(options.toUs >= options.fromUs)) {
    throw new InvalidArgumentError(
      `refresh range ends (${options.toUs}) before it starts (${options.fromUs})`,
    );
  }
  const backend = options.backend ?? (await storageBackend(db, schema));
  const windows = ROLLUPS.map(({ table, interval, widthUs }) => ({
    table,
    interval,
    fromUs: floorUs(options.fromUs, widthUs),
    toUs: ceilUs(options.toUs + 1, widthUs),
  }));
  for (const window of windows) {
    const from = timestampParam(window.fromUs);
    const to = timestampParam(window.toUs);
    if (backend === 'timescaledb') {
      // A procedure that refuses transaction blocks: plain text through the simple protocol.
      await db.execute(
        `CALL refresh_continuous_aggregate('"${schema}".${window.table}', TIMESTAMPTZ '${from}', TIMESTAMPTZ '${to}')`,
      );
    } else {
      await db.transaction((tx) => replaceRollup(tx, schema, window.table, window.interval, from, to));
    }
  }
  return windows.map(({ table, fromUs, toUs }) => ({ table, fromUs, toUs }));
}

async function replaceRollup(
  tx: Queryable,
  schema: string,
  table: string,
  interval: string,
  from: string,
  to: string,
): Promise<void> {
  // Serializes refreshers of the same rollup so two of them never insert the same bucket.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`kiln.rollup.${schema}.${table}`]);
  await tx.query(
    `DELETE FROM "${schema}".${table} WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
    [from, to],
  );
  await tx.query(
    `INSERT INTO "${schema}".${table} (bucket, signal_id, avg_value, min_value, max_value, last_value, sample_count)
     SELECT date_bin(INTERVAL '${interval}', time, ${BUCKET_ORIGIN}) AS bucket,
            signal_id,
            avg(value),
            min(value),
            max(value),
            (array_agg(value ORDER BY time DESC))[1],
            count(*)
       FROM "${schema}".telemetry
      WHERE time >= $1::timestamptz AND time < $2::timestamptz
      GROUP BY 1, 2`,
    [from, to],
  );
}
