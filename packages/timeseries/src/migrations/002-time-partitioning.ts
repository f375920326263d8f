// TimescaleDB: hypertables with compression segmented by signal (by asset for events). Plain PostgreSQL:
// the same tables stay plain heaps with a BRIN index on time. Native range partitioning was not chosen: it
// needs partitions created ahead of the data (or a default partition that later blocks new ones), a moving
// part that fails at night; BRIN over append-mostly time data is small and needs no upkeep.
import type { Migration } from './types';

export const timePartitioning: Migration = {
  version: 2,
  name: 'time-partitioning',
  transactional: () => true,
  statements: ({ schema: s, backend }) =>
    backend === 'timescaledb'
      ? [
          `SELECT create_hypertable('${s}.telemetry', by_range('time', INTERVAL '1 day'),
             if_not_exists => TRUE, migrate_data => TRUE)`,
          `SELECT create_hypertable('${s}.machine_states', by_range('time', INTERVAL '30 days'),
             if_not_exists => TRUE, migrate_data => TRUE)`,
          `SELECT create_hypertable('${s}.production_counts', by_range('time', INTERVAL '30 days'),
             if_not_exists => TRUE, migrate_data => TRUE)`,
          `ALTER TABLE ${s}.telemetry SET (timescaledb.compress,
             timescaledb.compress_segmentby = 'signal_id', timescaledb.compress_orderby = 'time DESC')`,
          `ALTER TABLE ${s}.machine_states SET (timescaledb.compress,
             timescaledb.compress_segmentby = 'asset_id', timescaledb.compress_orderby = 'time DESC')`,
          `ALTER TABLE ${s}.production_counts SET (timescaledb.compress,
             timescaledb.compress_segmentby = 'asset_id', timescaledb.compress_orderby = 'time DESC')`,
        ]
      : [
          `CREATE INDEX IF NOT EXISTS telemetry_time_brin ON ${s}.telemetry USING brin (time)`,
          `CREATE INDEX IF NOT EXISTS production_counts_time_brin ON ${s}.production_counts USING brin (time)`,
        ],
};
