// Roll-ups by ideal time in the analysts' OEE views (docs/analytics.md): each view gains `good_ideal_time_s`,
// good parts x their ideal cycle time (the window's OEE x PBT), so that a line, a week or a site rolls up as the
// OEE core does: OEE = sum(good_ideal_time_s) / sum(planned_busy_time_s), quality = sum(good_ideal_time_s) /
// sum(ideal_production_time_s). Counting a 0.5 s part and a 2 s part alike made a roll-up's quality, and its
// OEE, move with the product mix (issue 15).
//
// The views of migration 5 are replaced with the same columns in the same order and the new one last
// (CREATE OR REPLACE VIEW may only add columns at the end); their grants stay. The column list is this
// migration's own copy of migration 5's, so that an applied migration never changes with a later one's code.
import { analyticsSchemaName } from './005-analytics-views';
import type { Migration } from './types';

/** A number of the OeeResult JSON (`OeeResult.toJSON`, camelCase): zero values are left out of it. */
function figure(path: string, column: string, zeroWhenAbsent = true): string {
  const keys = path.split('.');
  const value = `(r.figures #>> '{${keys.join(',')}}')::double precision`;
  return `${zeroWhenAbsent ? `coalesce(${value}, 0)` : value} AS ${column}`;
}

// Migration 5's columns, then the good ideal time: ideal production time x quality, which is good x ideal cycle
// time by the core's definition of quality (one ideal cycle time: x good / total; several: x good ideal time /
// ideal time). quality is NULL only without parts, where the ideal production time is 0 too.
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
    `coalesce((r.figures ->> 'idealProductionTimeS')::double precision * r.quality, 0) AS good_ideal_time_s`,
  ].join(',\n            ');
}

function oeeView(s: string, a: string, view: string, kind: string): string {
  const extra =
    kind === 'SHIFT'
      ? `r.window_ref AS shift_id,
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

export const oeeGoodIdealTime: Migration = {
  version: 10,
  name: 'oee-good-ideal-time',
  transactional: () => true,
  statements: ({ schema: s }) => {
    const a = `"${analyticsSchemaName(s.slice(1, -1))}"`;
    return [
      oeeView(s, a, 'oee_hourly', 'HOUR'),
      oeeView(s, a, 'oee_by_shift', 'SHIFT'),
      oeeView(s, a, 'oee_by_order', 'ORDER'),
      oeeView(s, a, 'oee_daily', 'DAY'),
    ];
  },
};
