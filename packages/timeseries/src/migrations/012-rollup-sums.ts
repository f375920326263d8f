// The 1-hour rollup is rolled up from the 1-minute one on plain PostgreSQL (refreshRollups), so an hour costs its
// minute rows instead of its raw rows. An exact hourly average needs each minute's sum and count of numeric values:
// avg_value * sample_count is rounded, and sample_count also counts text samples. Adding NULL columns is a catalog
// change only; rows from before this version keep NULL sums and the roll-up falls back to avg * count for them.
//
// Rollup refreshes and time-range queries find their rows through the BRIN indexes on time, and BRIN treats a block
// range nobody summarized yet (by default only VACUUM does) as matching every query. autosummarize has autovacuum
// summarize each block range once it is full (a refresh also summarizes what it is about to read, see rollups.ts).
//
// TimescaleDB is left as it is: its continuous aggregates are already refreshed per invalidated bucket. A
// hierarchical hour aggregate (on the minute one, since TimescaleDB 2.9) would need a sum column in the minute
// aggregate, which ALTER cannot add: both views would be dropped and rebuilt, losing every bucket whose raw chunks
// retention already dropped and the analytics views built on them.
import type { Migration } from './types';

/** The BRIN indexes a rollup refresh reads through (migrations 002 and 003). */
export const ROLLUP_BRIN_INDEXES = [
  'telemetry_time_brin',
  'telemetry_1m_bucket_brin',
  'telemetry_1h_bucket_brin',
];

export const rollupSums: Migration = {
  version: 12,
  name: 'rollup-sums',
  transactional: () => true,
  statements: ({ schema: s, backend }) =>
    backend === 'timescaledb'
      ? []
      : [
          `ALTER TABLE ${s}.telemetry_1m ADD COLUMN IF NOT EXISTS value_sum double precision NULL,
                                        ADD COLUMN IF NOT EXISTS value_count bigint NULL`,
          ...ROLLUP_BRIN_INDEXES.map((index) => `ALTER INDEX ${s}.${index} SET (autosummarize = on)`),
        ],
};
