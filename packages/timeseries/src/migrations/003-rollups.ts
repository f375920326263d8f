// 1-minute and 1-hour rollups of telemetry with the same names and columns on both backends: continuous
// aggregates on TimescaleDB, plain tables refreshed by `refreshRollups` on PostgreSQL.
import type { Migration, MigrationContext } from './types';

export const ROLLUPS = [
  { table: 'telemetry_1m', interval: '1 minute', widthUs: 60_000_000 },
  { table: 'telemetry_1h', interval: '1 hour', widthUs: 3_600_000_000 },
] as const;

export type RollupTable = (typeof ROLLUPS)[number]['table'];

// Refresh policies: the newest bucket stays open until it has passed; late data up to `start` old is
// picked up by the policy, older late data by an explicit `refreshRollups`.
const POLICIES: Record<RollupTable, { start: string; end: string; every: string }> = {
  telemetry_1m: { start: '30 days', end: '1 minute', every: '1 minute' },
  telemetry_1h: { start: '90 days', end: '1 hour', every: '30 minutes' },
};

function continuousAggregate(s: string, table: RollupTable, interval: string): string[] {
  const policy = POLICIES[table];
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s}.${table}
       WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
     SELECT time_bucket(INTERVAL '${interval}', time) AS bucket,
            signal_id,
            avg(value) AS avg_value,
            min(value) AS min_value,
            max(value) AS max_value,
            last(value, time) AS last_value,
            count(*) AS sample_count
       FROM ${s}.telemetry
      GROUP BY time_bucket(INTERVAL '${interval}', time), signal_id
     WITH NO DATA`,
    `SELECT add_continuous_aggregate_policy('${s}.${table}',
       start_offset => INTERVAL '${policy.start}', end_offset => INTERVAL '${policy.end}',
       schedule_interval => INTERVAL '${policy.every}', if_not_exists => TRUE)`,
  ];
}

function plainRollup(s: string, table: RollupTable): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.${table} (
      bucket timestamptz NOT NULL,
      signal_id integer NOT NULL,
      avg_value double precision NULL,
      min_value double precision NULL,
      max_value double precision NULL,
      last_value double precision NULL,
      sample_count bigint NOT NULL,
      CONSTRAINT ${table}_pkey PRIMARY KEY (signal_id, bucket)
    )`,
    `CREATE INDEX IF NOT EXISTS ${table}_bucket_brin ON ${s}.${table} USING brin (bucket)`,
  ];
}

export const rollups: Migration = {
  version: 3,
  name: 'rollups',
  // CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous) is refused inside a transaction block by
  // some TimescaleDB versions.
  transactional: (backend) => backend !== 'timescaledb',
  statements: ({ schema: s, backend }: MigrationContext) =>
    ROLLUPS.flatMap(({ table, interval }) =>
      backend === 'timescaledb' ? continuousAggregate(s, table, interval) : plainRollup(s, table),
    ),
};
