// Read-only SQL views for analysts (docs/analytics.md): OEE per hour, shift, order and day with the figures of
// the stored OeeResult as typed columns, machine-state intervals with their durations, and the telemetry
// rollups with asset and signal names. They live in a schema of their own so that the analyst role
// `kiln_analyst` can be granted the views and nothing else: views run with their owner's rights, so the role
// needs neither the data schema nor its tables.
import { createHash } from 'node:crypto';
import { ROLLUPS } from './003-rollups';
import type { Migration } from './types';

/** The cluster-wide role granted read access to the analytics views (NOLOGIN: analysts log in as members). */
export const ANALYST_ROLE = 'kiln_analyst';

const MAX_IDENTIFIER = 63;
const SUFFIX = '_analytics';

/**
 * The schema holding the views of data schema `schema`: `kiln` -> `kiln_analytics`, `plant_2` ->
 * `plant_2_analytics`, so schemas migrated side by side (tests, several plants in one database) never share
 * views. A name that would pass PostgreSQL's 63-byte limit is shortened with a hash of the full name instead of
 * being truncated by the server (which could make two long names collide).
 */
export function analyticsSchemaName(schema: string): string {
  const plain = `${schema}${SUFFIX}`;
  if (plain.length <= MAX_IDENTIFIER) return plain;
  const hash = createHash('sha256').update(schema).digest('hex').slice(0, 8);
  return `${schema.slice(0, MAX_IDENTIFIER - SUFFIX.length - hash.length - 1)}_${hash}${SUFFIX}`;
}

export const ANALYTICS_VIEWS = [
  'oee_hourly',
  'oee_by_shift',
  'oee_by_order',
  'oee_daily',
  'state_durations',
  'telemetry_1m',
  'telemetry_1h',
] as const;

/** A number of the OeeResult JSON (`OeeResult.toJSON`, camelCase): zero values are left out of it. */
function figure(path: string, column: string, zeroWhenAbsent = true): string {
  const keys = path.split('.');
  const value = `(r.figures #>> '{${keys.join(',')}}')::double precision`;
  return `${zeroWhenAbsent ? `coalesce(${value}, 0)` : value} AS ${column}`;
}

// One row per stored window of the kind; the columns every OEE view shares, in one order.
function oeeColumns(): string {
  return [
    'r.asset_id',
    'r.window_start',
    'r.window_end',
    figure('calendarTimeS', 'calendar_time_s'),
    'r.planned_busy_time_s',
    figure('actualProductionTimeS', 'run_time_s'),
    figure('unplannedStopTimeS', 'unplanned_stop_time_s'),
    figure('offlineTimeS', 'offline_time_s'),
    `coalesce((r.figures ->> 'microStopCount')::integer, 0) AS micro_stop_count`,
    figure('microStopTimeS', 'micro_stop_time_s'),
    figure('idealProductionTimeS', 'ideal_production_time_s'),
    'r.total_count',
    'r.good_count',
    figure('scrapCount', 'scrap_count'),
    // Absent in the message where undefined (no planned busy time, no run time, no parts): NULL, never 0.
    'r.availability',
    'r.performance',
    'r.quality',
    'r.oee',
    'r.teep',
    figure('losses.breakdownS', 'breakdown_loss_s'),
    figure('losses.setupAdjustmentS', 'setup_adjustment_loss_s'),
    figure('losses.smallStopsS', 'small_stops_loss_s'),
    figure('losses.reducedSpeedS', 'reduced_speed_loss_s'),
    figure('losses.startupRejectsS', 'startup_rejects_loss_s'),
    figure('losses.productionRejectsS', 'production_rejects_loss_s'),
    figure('mtbfS', 'mtbf_s', false),
    figure('mttrS', 'mttr_s', false),
    `coalesce((r.figures ->> 'performanceAboveIdeal')::boolean, false) AS performance_above_ideal`,
    'r.settings',
    'r.revision',
    'r.computed_at',
  ].join(',\n            ');
}

function oeeView(s: string, a: string, view: string, kind: string): string {
  const extra =
    kind === 'SHIFT'
      ? // Shifts of the shift-calendar file have no row in shifts; their ids are `<name>@<local start date>`.
        `r.window_ref AS shift_id,
            coalesce(sh.name, split_part(r.window_ref, '@', 1)) AS shift_name,\n            `
      : kind === 'ORDER'
        ? `r.window_ref AS order_id,\n            `
        : '';
  const join =
    kind === 'SHIFT'
      ? `\n       LEFT JOIN ${s}.shifts sh ON sh.asset_id = r.asset_id AND sh.shift_id = r.window_ref`
      : '';
  return `CREATE OR REPLACE VIEW ${a}.${view} AS
     SELECT ${extra}${oeeColumns()}
       FROM ${s}.oee_results r${join}
      WHERE r.window_kind = '${kind}'`;
}

// A state lasts until the asset's next state row (001-core-tables); the newest one is still running.
function stateDurationsView(s: string, a: string): string {
  return `CREATE OR REPLACE VIEW ${a}.state_durations AS
     SELECT asset_id,
            time AS start_time,
            end_time,
            (extract(epoch FROM end_time - time))::double precision AS duration_s,
            state,
            reason_code,
            reason_text,
            source_code
       FROM (SELECT m.*, lead(m.time) OVER (PARTITION BY m.asset_id ORDER BY m.time) AS end_time
               FROM ${s}.machine_states m) AS intervals`;
}

function telemetryView(s: string, a: string, table: string, interval: string): string {
  return `CREATE OR REPLACE VIEW ${a}.${table} AS
     SELECT r.bucket AS bucket_start,
            r.bucket + INTERVAL '${interval}' AS bucket_end,
            g.asset_id,
            g.name AS signal_name,
            g.unit,
            r.signal_id,
            r.avg_value,
            r.min_value,
            r.max_value,
            r.last_value,
            r.sample_count
       FROM ${s}.${table} r
       JOIN ${s}.signals g ON g.id = r.signal_id`;
}

/**
 * Creates the analyst role unless it exists and grants it the views. Roles belong to the cluster, not the
 * database: another Kiln schema (or database) may be creating it at this moment, which shows as
 * duplicate_object, or as unique_violation once that transaction commits. A migrating user without CREATEROLE
 * (a managed server's application owner) skips the role with a notice; an administrator then creates it and
 * repeats the grants (docs/analytics.md). PGlite runs as a superuser and creates the role like a server does;
 * the exception handler is what keeps any database that refuses roles migrating.
 */
export function analystRoleStatement(analyticsSchema: string, role: string = ANALYST_ROLE): string {
  const views = ANALYTICS_VIEWS.map((view) => `${analyticsSchema}.${view}`).join(', ');
  return `DO $analyst$
     BEGIN
       IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${role}') THEN
         BEGIN
           CREATE ROLE ${role} NOLOGIN;
         EXCEPTION
           WHEN duplicate_object OR unique_violation THEN NULL;
           WHEN insufficient_privilege THEN
             RAISE NOTICE 'kiln: role ${role} not created (% lacks CREATEROLE); create it and grant it ${analyticsSchema}',
               current_user;
         END;
       END IF;
       IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${role}') THEN
         GRANT USAGE ON SCHEMA ${analyticsSchema} TO ${role};
         GRANT SELECT ON ${views} TO ${role};
       END IF;
     END
     $analyst$`;
}

export const analyticsViews: Migration = {
  version: 5,
  name: 'analytics-views',
  transactional: () => true,
  statements: ({ schema: s }) => {
    const a = `"${analyticsSchemaName(s.slice(1, -1))}"`;
    return [
      `CREATE SCHEMA IF NOT EXISTS ${a}`,
      oeeView(s, a, 'oee_hourly', 'HOUR'),
      oeeView(s, a, 'oee_by_shift', 'SHIFT'),
      oeeView(s, a, 'oee_by_order', 'ORDER'),
      oeeView(s, a, 'oee_daily', 'DAY'),
      stateDurationsView(s, a),
      ...ROLLUPS.map(({ table, interval }) => telemetryView(s, a, table, interval)),
      analystRoleStatement(a),
    ];
  },
};
