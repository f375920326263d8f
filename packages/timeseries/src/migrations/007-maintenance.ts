// The tables of the maintenance service: its alerts with their life cycle (open -> acknowledged -> resolved),
// the health it scores per asset and feature window, and the model state it keeps per asset. At most one
// unresolved alert per asset and cause is what deduplicates alerts across restarts and partition rebalances
// (a partial unique index the store inserts against with ON CONFLICT). Health is time series: a hypertable on
// TimescaleDB (compression segmented by asset), a plain table keyed by (asset, time) on PostgreSQL.
import { analyticsSchemaName, ANALYST_ROLE } from './005-analytics-views';
import type { Migration } from './types';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

/** Analyst views of migration 7, in `<schema>_analytics` beside those of migration 5 (docs/analytics.md). */
export const MAINTENANCE_ANALYTICS_VIEWS = ['maintenance_alerts', 'asset_health', 'signal_health'] as const;

const list = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');

export const maintenanceTables: Migration = {
  version: 7,
  name: 'maintenance',
  transactional: () => true,
  statements: ({ schema: s, backend }) => [
    // details: string -> string (MaintenanceAlert.details); an acknowledgement's comment is under "comment".
    `CREATE TABLE IF NOT EXISTS ${s}.maintenance_alerts (
      alert_id text PRIMARY KEY,
      asset_id text NOT NULL,
      cause text NOT NULL,
      signal text NOT NULL DEFAULT '',
      severity text NOT NULL CHECK (severity IN (${list(ALERT_SEVERITIES)})),
      status text NOT NULL CHECK (status IN (${list(ALERT_STATUSES)})),
      message text NOT NULL DEFAULT '',
      opened_time timestamptz NOT NULL,
      updated_time timestamptz NOT NULL,
      resolved_time timestamptz NULL,
      health_index double precision NULL,
      rul_estimate_h double precision NULL,
      rul_lower_h double precision NULL,
      rul_upper_h double precision NULL,
      actor text NOT NULL DEFAULT '',
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      CONSTRAINT maintenance_alerts_resolved_time CHECK ((status = 'resolved') = (resolved_time IS NOT NULL))
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS maintenance_alerts_unresolved_key
       ON ${s}.maintenance_alerts (asset_id, cause) WHERE status <> 'resolved'`,
    // Lists are newest opened first with (opened_time, alert_id) as the keyset.
    `CREATE INDEX IF NOT EXISTS maintenance_alerts_asset_opened
       ON ${s}.maintenance_alerts (asset_id, opened_time DESC, alert_id DESC)`,
    `CREATE INDEX IF NOT EXISTS maintenance_alerts_status_opened
       ON ${s}.maintenance_alerts (status, opened_time DESC, alert_id DESC)`,
    `CREATE INDEX IF NOT EXISTS maintenance_alerts_opened
       ON ${s}.maintenance_alerts (opened_time DESC, alert_id DESC)`,
    // signals: [{ signal, healthIndex, anomalyScore, zone, value, unit }] (SignalHealth).
    `CREATE TABLE IF NOT EXISTS ${s}.asset_health (
      asset_id text NOT NULL,
      time timestamptz NOT NULL,
      health_index double precision NOT NULL,
      rul_estimate_h double precision NULL,
      rul_lower_h double precision NULL,
      rul_upper_h double precision NULL,
      baseline_ready boolean NOT NULL,
      anomaly_score double precision NOT NULL,
      signals jsonb NOT NULL DEFAULT '[]'::jsonb,
      CONSTRAINT asset_health_pkey PRIMARY KEY (asset_id, time)
    )`,
    ...(backend === 'timescaledb'
      ? [
          `SELECT create_hypertable('${s}.asset_health', by_range('time', INTERVAL '30 days'),
             if_not_exists => TRUE, migrate_data => TRUE)`,
          `ALTER TABLE ${s}.asset_health SET (timescaledb.compress,
             timescaledb.compress_segmentby = 'asset_id', timescaledb.compress_orderby = 'time DESC')`,
        ]
      : []),
    `CREATE TABLE IF NOT EXISTS ${s}.maintenance_model_state (
      asset_id text PRIMARY KEY,
      state jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    ...analystViews(s),
  ],
};

// As migration 5's views: typed columns, run with the owner's rights; the grant is skipped where the role is
// missing (an administrator then grants the schema's tables, docs/analytics.md).
function analystViews(s: string): string[] {
  const a = `"${analyticsSchemaName(s.slice(1, -1))}"`;
  const views = MAINTENANCE_ANALYTICS_VIEWS.map((view) => `${a}.${view}`).join(', ');
  return [
    `CREATE OR REPLACE VIEW ${a}.maintenance_alerts AS
     SELECT alert_id, asset_id, cause, signal, severity, status, message, opened_time, updated_time, resolved_time,
            (extract(epoch FROM resolved_time - opened_time))::double precision AS time_to_resolve_s,
            health_index, rul_estimate_h, rul_lower_h, rul_upper_h, actor,
            coalesce(details ->> 'comment', '') AS comment, details
       FROM ${s}.maintenance_alerts`,
    `CREATE OR REPLACE VIEW ${a}.asset_health AS
     SELECT asset_id, time, health_index, rul_estimate_h, rul_lower_h, rul_upper_h, baseline_ready, anomaly_score
       FROM ${s}.asset_health`,
    `CREATE OR REPLACE VIEW ${a}.signal_health AS
     SELECT h.asset_id, h.time, e ->> 'signal' AS signal, (e ->> 'healthIndex')::double precision AS health_index,
            (e ->> 'anomalyScore')::double precision AS anomaly_score, e ->> 'zone' AS zone,
            (e ->> 'value')::double precision AS value, e ->> 'unit' AS unit
       FROM ${s}.asset_health h CROSS JOIN LATERAL jsonb_array_elements(h.signals) AS e`,
    `DO $analyst$
     BEGIN
       IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${ANALYST_ROLE}') THEN
         GRANT SELECT ON ${views} TO ${ANALYST_ROLE};
       END IF;
     END
     $analyst$`,
  ];
}
