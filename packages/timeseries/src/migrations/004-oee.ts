// The tables of the OEE service (docs/architecture.md section 6): the ERP's production orders and shifts it computes with,
// the windows it has closed (upserted by asset, window kind and window start, docs/architecture.md section 3) and, per asset,
// how far its windows are closed. Plain tables on both backends: a few rows per asset and hour.
import type { Migration } from './types';

export const oeeTables: Migration = {
  version: 4,
  name: 'oee',
  transactional: () => true,
  statements: ({ schema: s }) => [
    // The latest version of each order (changed_at decides); start_time NULL: cancelled or not started, no span.
    `CREATE TABLE IF NOT EXISTS ${s}.production_orders (
      asset_id text NOT NULL,
      order_id text NOT NULL,
      start_time timestamptz NULL,
      end_time timestamptz NULL,
      ideal_cycle_time_s double precision NOT NULL DEFAULT 0,
      target_quantity double precision NOT NULL DEFAULT 0,
      status text NOT NULL DEFAULT '',
      message jsonb NOT NULL DEFAULT '{}'::jsonb,
      changed_at timestamptz NOT NULL,
      CONSTRAINT production_orders_pkey PRIMARY KEY (asset_id, order_id)
    )`,
    `CREATE INDEX IF NOT EXISTS production_orders_asset_start ON ${s}.production_orders (asset_id, start_time)`,
    // breaks: [{ "startUs", "endUs", "reason" }]; a cancelled shift is kept (so an older update cannot revive it).
    `CREATE TABLE IF NOT EXISTS ${s}.shifts (
      asset_id text NOT NULL,
      shift_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      start_time timestamptz NOT NULL,
      end_time timestamptz NOT NULL,
      breaks jsonb NOT NULL DEFAULT '[]'::jsonb,
      cancelled boolean NOT NULL DEFAULT false,
      changed_at timestamptz NOT NULL,
      CONSTRAINT shifts_pkey PRIMARY KEY (asset_id, shift_id)
    )`,
    `CREATE INDEX IF NOT EXISTS shifts_asset_start ON ${s}.shifts (asset_id, start_time)`,
    // window_kind: the OeeWindowKind name without prefix (HOUR, SHIFT, ORDER, DAY). figures: the OeeResult
    // message as JSON without revision and computed time; revision grows when the figures change;
    // published_revision is the last revision acknowledged on kiln.oee.v1.
    `CREATE TABLE IF NOT EXISTS ${s}.oee_results (
      asset_id text NOT NULL,
      window_kind text NOT NULL CHECK (window_kind IN ('HOUR', 'SHIFT', 'ORDER', 'DAY')),
      window_start timestamptz NOT NULL,
      window_end timestamptz NOT NULL,
      window_ref text NOT NULL DEFAULT '',
      availability double precision NULL,
      performance double precision NULL,
      quality double precision NULL,
      oee double precision NULL,
      teep double precision NULL,
      planned_busy_time_s double precision NOT NULL,
      total_count double precision NOT NULL,
      good_count double precision NOT NULL,
      figures jsonb NOT NULL,
      settings jsonb NOT NULL,
      revision integer NOT NULL DEFAULT 1,
      published_revision integer NOT NULL DEFAULT 0,
      computed_at timestamptz NOT NULL,
      CONSTRAINT oee_results_pkey PRIMARY KEY (asset_id, window_kind, window_start)
    )`,
    `CREATE INDEX IF NOT EXISTS oee_results_kind_start ON ${s}.oee_results (window_kind, window_start)`,
    // One row per asset the OEE service has seen: the partition its events arrive on (so the owner of that
    // partition closes its windows) and the time up to which its windows are closed.
    `CREATE TABLE IF NOT EXISTS ${s}.oee_assets (
      asset_id text PRIMARY KEY,
      partition integer NOT NULL,
      closed_through timestamptz NOT NULL,
      settings jsonb NULL
    )`,
    `CREATE INDEX IF NOT EXISTS oee_assets_partition ON ${s}.oee_assets (partition, closed_through)`,
  ],
};
