// Domain values -> REST JSON: ISO times, window kinds and states by name, absent KPIs as null.
import { OeeWindowKind, type OeeResult } from '@kiln/contracts';
import type { AssetHealthRow, RulInterval, StoredAlert } from '@kiln/timeseries';
import type { StateInterval, Stop } from '../domain/states';
import type { LatestValue, Series } from '../domain/telemetry';
import { isoOf } from '../domain/range';

const WINDOW_NAMES: Record<OeeWindowKind, 'hour' | 'shift' | 'order' | 'day' | 'range'> = {
  [OeeWindowKind.OEE_WINDOW_KIND_UNSPECIFIED]: 'range',
  [OeeWindowKind.OEE_WINDOW_KIND_HOUR]: 'hour',
  [OeeWindowKind.OEE_WINDOW_KIND_SHIFT]: 'shift',
  [OeeWindowKind.OEE_WINDOW_KIND_ORDER]: 'order',
  [OeeWindowKind.OEE_WINDOW_KIND_DAY]: 'day',
  [OeeWindowKind.OEE_WINDOW_KIND_RANGE]: 'range',
};

const QUALITY = ['unknown', 'good', 'uncertain', 'bad'] as const;

export function oeeJson(result: OeeResult) {
  return {
    assetId: result.assetId,
    window: WINDOW_NAMES[result.windowKind],
    windowStart: isoOf(result.windowStartUs),
    windowEnd: isoOf(result.windowEndUs),
    windowRef: result.windowRef,
    calendarTimeS: result.calendarTimeS,
    plannedBusyTimeS: result.plannedBusyTimeS,
    actualProductionTimeS: result.actualProductionTimeS,
    unplannedStopTimeS: result.unplannedStopTimeS,
    offlineTimeS: result.offlineTimeS,
    microStopCount: result.microStopCount,
    microStopTimeS: result.microStopTimeS,
    totalCount: result.totalCount,
    goodCount: result.goodCount,
    scrapCount: result.scrapCount,
    idealProductionTimeS: result.idealProductionTimeS,
    availability: result.availability ?? null,
    performance: result.performance ?? null,
    quality: result.quality ?? null,
    oee: result.oee ?? null,
    teep: result.teep ?? null,
    performanceAboveIdeal: result.performanceAboveIdeal,
    losses: result.losses ?? {
      breakdownS: 0,
      setupAdjustmentS: 0,
      smallStopsS: 0,
      reducedSpeedS: 0,
      startupRejectsS: 0,
      productionRejectsS: 0,
    },
    mtbfS: result.mtbfS ?? null,
    mttrS: result.mttrS ?? null,
    settings: result.settings ?? null,
    timeZone: result.timeZone ?? null,
    rollUpBasis: 'ideal-time' as const,
  };
}

export function intervalJson(interval: StateInterval) {
  return {
    state: interval.state,
    reasonCode: interval.reasonCode,
    reasonText: interval.reasonText,
    start: isoOf(interval.startUs),
    end: interval.endUs === undefined ? null : isoOf(interval.endUs),
    durationS: interval.endUs === undefined ? null : (interval.endUs - interval.startUs) / 1e6,
    ...(interval.assignedBy === undefined ? {} : { assignedBy: interval.assignedBy }),
  };
}

export const stopJson = (stop: Stop) => ({
  ...intervalJson(stop),
  stopId: stop.stopId,
  assetId: stop.assetId,
});

export const seriesJson = (series: Series) => ({
  signal: `${series.signal.assetId}/${series.signal.name}`,
  assetId: series.signal.assetId,
  name: series.signal.name,
  buckets: series.buckets.map(({ startUs, ...values }) => ({ start: isoOf(startUs), ...values })),
});

/** The second last formatted by `latestTime`, and its ISO text up to the milliseconds ("...T06:00:00."). */
let isoSecond = NaN;
let isoSecondText = '';

/**
 * isoOf for latest values: the values of a request (and of consecutive requests) mostly fall in the same second,
 * whose text is kept; the milliseconds are appended. Years 1970-9999 only (isoOf elsewhere).
 */
function latestTime(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  if (!(ms >= 0 && ms < 253_402_300_800_000)) return isoOf(timeUs);
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoSecondText = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${isoSecondText}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * The latest-value answer (`{ values: [...] }`) as JSON text, written field by field in the order and form that
 * JSON.stringify of the object { signal, time, value, valueText, quality } gives: dashboards poll it a thousand times a second, and the objects, Dates and
 * the serializer's walk made per value were a fifth of the route's work per request.
 */
export function latestBody(values: readonly LatestValue[]): string {
  let body = '{"values":[';
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as LatestValue;
    body +=
      `${i > 0 ? ',' : ''}{"signal":${JSON.stringify(`${value.signal.assetId}/${value.signal.name}`)}` +
      `,"time":"${latestTime(value.timeUs)}","value":${JSON.stringify(value.value)}` +
      `,"valueText":${JSON.stringify(value.valueText)},"quality":"${QUALITY[value.quality] ?? 'unknown'}"}`;
  }
  return `${body}]}`;
}

/** CSV (RFC 4180) of bucketed series: one row per signal and bucket. */
export function seriesCsv(series: readonly Series[]): string {
  const cell = (value: string | number | null): string => {
    if (value === null) return '';
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = ['signal,bucket_start,avg,min,max,last,count'];
  for (const one of series) {
    const signal = `${one.signal.assetId}/${one.signal.name}`;
    for (const b of one.buckets) {
      lines.push([signal, isoOf(b.startUs), b.avg, b.min, b.max, b.last, b.count].map(cell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const rulJson = (rul: RulInterval | undefined) =>
  rul === undefined ? null : { estimateH: rul.estimateH, lowerH: rul.lowerH, upperH: rul.upperH };

export const alertJson = (alert: StoredAlert) => ({
  alertId: alert.alertId,
  assetId: alert.assetId,
  cause: alert.cause,
  signal: alert.signal,
  severity: alert.severity,
  status: alert.status,
  message: alert.message,
  openedTime: isoOf(alert.openedTimeUs),
  updatedTime: isoOf(alert.updatedTimeUs),
  resolvedTime: alert.resolvedTimeUs === undefined ? null : isoOf(alert.resolvedTimeUs),
  healthIndex: alert.healthIndex ?? null,
  rul: rulJson(alert.rul),
  actor: alert.actor,
  details: alert.details,
});

export const healthJson = (row: AssetHealthRow) => ({
  assetId: row.assetId,
  time: isoOf(row.timeUs),
  healthIndex: row.healthIndex,
  rul: rulJson(row.rul),
  baselineReady: row.baselineReady,
  anomalyScore: row.anomalyScore,
  signals: row.signals,
});
