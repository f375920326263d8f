// The read side the gateway uses: bucketed aggregates over a range, last values, and the state timeline of
// an asset. The same call gives the same answer on TimescaleDB (time_bucket, last) and on plain PostgreSQL
// (date_bin from the same origin, array_agg).
import type { Database } from './database';
import { storageBackend } from './migrate';
import { ROLLUPS, type StorageBackend } from './migrations';
import type { CanonicalState } from './records';
import { BUCKET_ORIGIN } from './rollups';
import {
  averageOfSums,
  checkedSchema,
  epochUsOf,
  InvalidArgumentError,
  parseBucket,
  timestampParam,
} from './sql';

export type Aggregate = 'avg' | 'min' | 'max' | 'last' | 'count';

export const ALL_AGGREGATES: readonly Aggregate[] = ['avg', 'min', 'max', 'last', 'count'];

export interface SignalRef {
  assetId: string;
  name: string;
}

export interface RangeQuery {
  /** Signals by id, or by asset and name (or both). */
  signalIds?: readonly number[];
  signals?: readonly SignalRef[];
  fromUs: number;
  /** Exclusive. */
  toUs: number;
  /** Fixed bucket width: `1m`, `1h`, `15m`, `1d`, `5 minutes`, ... */
  bucket: string;
  /** Default: all of avg, min, max, last, count. */
  aggregates?: readonly Aggregate[];
  /**
   * raw (default): from the telemetry table, samples in [from, to).
   * rollup: from telemetry_1h (bucket a multiple of 1 h) or telemetry_1m (a multiple of 1 min): whole
   * rollup buckets starting in [from, to), as far as the rollups have been refreshed. Cheap for long ranges.
   */
  source?: 'raw' | 'rollup';
}

export interface BucketRow {
  signalId: number;
  bucketStartUs: number;
  /** Null where the aggregate was not asked for, or the bucket holds no numeric value. */
  avg: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  count: number | null;
}

export interface LastValue {
  signalId: number;
  timeUs: number;
  value: number | null;
  valueText: string | null;
  quality: number;
}

export interface StateInterval {
  state: CanonicalState;
  reasonCode: string;
  reasonText: string;
  /** Clipped to the range asked for. */
  startUs: number;
  endUs: number;
  durationUs: number;
  /** The interval runs until the end of the range: no later change of the asset before `to`. */
  open: boolean;
}

interface BucketSqlRow {
  signal_id: number;
  bucket_us: number;
  avg_value: number | null;
  min_value: number | null;
  max_value: number | null;
  last_value: number | null;
  sample_count: number | null;
}

export class HistorianQueries {
  private readonly schema: string;
  private backend: StorageBackend | undefined;

  constructor(
    private readonly db: Database,
    options: { schema?: string; backend?: StorageBackend } = {},
  ) {
    this.schema = checkedSchema(options.schema);
    this.backend = options.backend;
  }

  private async storage(): Promise<StorageBackend> {
    this.backend ??= await storageBackend(this.db, this.schema);
    return this.backend;
  }

  /** Ids of signals given by asset and name; unknown signals are left out. */
  async signalIds(signals: readonly SignalRef[]): Promise<Map<string, number>> {
    if (signals.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: number; asset_id: string; name: string }>(
      `SELECT s.id, s.asset_id, s.name FROM "${this.schema}".signals s
         JOIN unnest($1::text[], $2::text[]) AS wanted(asset_id, name) USING (asset_id, name)`,
      [signals.map((s) => s.assetId), signals.map((s) => s.name)],
    );
    return new Map(rows.map((row) => [`${row.asset_id}/${row.name}`, row.id]));
  }

  async rangeQuery(query: RangeQuery): Promise<BucketRow[]> {
    if (!(query.toUs > query.fromUs)) {
      throw new InvalidArgumentError(`range ends (${query.toUs}) at or before it starts (${query.fromUs})`);
    }
    const bucket = parseBucket(query.bucket);
    const ids = new Set(query.signalIds ?? []);
    for (const id of (await this.signalIds(query.signals ?? [])).values()) ids.add(id);
    if (ids.size === 0) return [];
    const wanted = new Set(query.aggregates ?? ALL_AGGREGATES);
    const backend = await this.storage();
    const binned = (column: string) =>
      backend === 'timescaledb'
        ? `time_bucket($4::interval, ${column})`
        : `date_bin($4::interval, ${column}, ${BUCKET_ORIGIN})`;
    const pick = (aggregate: Aggregate, expression: string, alias: string) =>
      `${wanted.has(aggregate) ? expression : 'NULL'}::float8 AS ${alias}`;

    let from: string;
    let columns: string[];
    let timeColumn: string;
    if ((query.source ?? 'raw') === 'raw') {
      from = `"${this.schema}".telemetry`;
      timeColumn = 'time';
      columns = [
        pick('avg', 'avg(value)', 'avg_value'),
        pick('min', 'min(value)', 'min_value'),
        pick('max', 'max(value)', 'max_value'),
        pick(
          'last',
          backend === 'timescaledb' ? 'last(value, time)' : '(array_agg(value ORDER BY time DESC))[1]',
          'last_value',
        ),
        pick('count', 'count(*)', 'sample_count'),
      ];
    } else {
      const rollup = [...ROLLUPS].reverse().find((r) => bucket.widthUs % r.widthUs === 0);
      if (rollup === undefined) {
        throw new InvalidArgumentError(
          `bucket "${query.bucket}" is not a multiple of a rollup (1 minute, 1 hour)`,
        );
      }
      from = `"${this.schema}".${rollup.table}`;
      timeColumn = 'bucket';
      columns = [
        pick(
          'avg',
          averageOfSums(
            'sum(avg_value * sample_count)',
            'sum(sample_count) FILTER (WHERE avg_value IS NOT NULL)',
          ),
          'avg_value',
        ),
        pick('min', 'min(min_value)', 'min_value'),
        pick('max', 'max(max_value)', 'max_value'),
        pick('last', '(array_agg(last_value ORDER BY bucket DESC))[1]', 'last_value'),
        pick('count', 'sum(sample_count)', 'sample_count'),
      ];
    }
    const { rows } = await this.db.query<BucketSqlRow>(
      `SELECT signal_id, ${epochUsOf(binned(timeColumn))} AS bucket_us, ${columns.join(', ')}
         FROM ${from}
        WHERE signal_id = ANY($1::int4[]) AND ${timeColumn} >= $2::timestamptz AND ${timeColumn} < $3::timestamptz
        GROUP BY 1, 2
        ORDER BY 1, 2`,
      [[...ids], timestampParam(query.fromUs, 'fromUs'), timestampParam(query.toUs, 'toUs'), bucket.interval],
    );
    return rows.map((row) => ({
      signalId: row.signal_id,
      bucketStartUs: row.bucket_us,
      avg: row.avg_value,
      min: row.min_value,
      max: row.max_value,
      last: row.last_value,
      count: row.sample_count,
    }));
  }

  /** The newest stored sample of each signal; signals without samples are left out. */
  async lastValues(signalIds: readonly number[]): Promise<LastValue[]> {
    if (signalIds.length === 0) return [];
    const { rows } = await this.db.query<{
      signal_id: number;
      time_us: number;
      value: number | null;
      value_text: string | null;
      quality: number;
    }>(
      `SELECT wanted.signal_id, newest.time_us, newest.value, newest.value_text, newest.quality
         FROM unnest($1::int4[]) AS wanted(signal_id)
         CROSS JOIN LATERAL (
           SELECT ${epochUsOf('t.time')} AS time_us, t.value, t.value_text, t.quality::int4 AS quality
             FROM "${this.schema}".telemetry t
            WHERE t.signal_id = wanted.signal_id
            ORDER BY t.time DESC
            LIMIT 1) AS newest
        ORDER BY wanted.signal_id`,
      [[...new Set(signalIds)]],
    );
    return rows.map((row) => ({
      signalId: row.signal_id,
      timeUs: row.time_us,
      value: row.value,
      valueText: row.value_text,
      quality: row.quality,
    }));
  }

  async lastValue(signalId: number): Promise<LastValue | undefined> {
    return (await this.lastValues([signalId]))[0];
  }

  /**
   * The states of an asset over [from, to): the state in force at `from` (clipped to start there) and every
   * change before `to`, each lasting until the next change or the end of the range.
   */
  async stateTimeline(assetId: string, fromUs: number, toUs: number): Promise<StateInterval[]> {
    if (!(toUs > fromUs))
      throw new InvalidArgumentError(`range ends (${toUs}) at or before it starts (${fromUs})`);
    const table = `"${this.schema}".machine_states`;
    const { rows } = await this.db.query<{
      state: CanonicalState;
      reason_code: string;
      reason_text: string;
      start_us: number;
      end_us: number;
      open: boolean;
    }>(
      `WITH changes AS (
         (SELECT time, state, reason_code, reason_text FROM ${table}
           WHERE asset_id = $1 AND time <= $2::timestamptz ORDER BY time DESC LIMIT 1)
         UNION ALL
         (SELECT time, state, reason_code, reason_text FROM ${table}
           WHERE asset_id = $1 AND time > $2::timestamptz AND time < $3::timestamptz)
       ), intervals AS (
         SELECT *, lead(time) OVER (ORDER BY time) AS next_time FROM changes
       )
       SELECT state, reason_code, reason_text,
              ${epochUsOf('greatest(time, $2::timestamptz)')} AS start_us,
              ${epochUsOf('coalesce(next_time, $3::timestamptz)')} AS end_us,
              next_time IS NULL AS open
         FROM intervals
        ORDER BY time`,
      [assetId, timestampParam(fromUs, 'fromUs'), timestampParam(toUs, 'toUs')],
    );
    return rows.map((row) => ({
      state: row.state,
      reasonCode: row.reason_code,
      reasonText: row.reason_text,
      startUs: row.start_us,
      endUs: row.end_us,
      durationUs: row.end_us - row.start_us,
      open: row.open,
    }));
  }
}
