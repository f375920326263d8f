// The windows OEE is computed for (docs/architecture.md section 6: hour, shift, production order, day) and the windows a
// late event touches, so the service knows what to recompute (docs/architecture.md section 5).
import { OeeWindowKind } from '@kiln/contracts';
import {
  addDays,
  fixedOffsetZone,
  localDateAt,
  offsetMsAt,
  utcOfLocal,
  UTC_ZONE,
  type TimeZone,
} from './time-zone';
import type { OrderSpan, ShiftSpan, TimeRange } from './types';

export interface OeeWindow {
  readonly kind: OeeWindowKind;
  readonly startUs: number;
  readonly endUs: number;
  /** The shift id or order id of a shift or order window; empty for hours and days. */
  readonly ref: string;
}

export interface WindowCalendar {
  readonly shifts?: readonly ShiftSpan[];
  readonly orders?: readonly OrderSpan[];
  /** The site's zone (IANA, daylight saving included) for hour and day boundaries; UTC without it. */
  readonly timeZone?: TimeZone;
  /** @deprecated A fixed offset in minutes (60 for CET), used when `timeZone` is not given. */
  readonly utcOffsetMinutes?: number;
  /** Where the window of a still open order ends (e.g. the latest event time seen); without it none is made. */
  readonly openOrderEndUs?: number;
}

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;
const MS_PER_US = 1000;

/** A zone name, or the deprecated fixed offset in minutes. */
function zoneOf(zone: TimeZone | number): TimeZone {
  return typeof zone === 'number' ? fixedOffsetZone(zone) : zone;
}

/** The start of the local hour holding the instant (UTC ms). */
function localHourStartMs(zone: TimeZone, utcMs: number): number {
  const hourMs = HOUR_US / MS_PER_US;
  const wallMs = utcMs + offsetMsAt(zone, utcMs);
  return utcMs - (((wallMs % hourMs) + hourMs) % hourMs);
}

/**
 * Whole local hours of the zone that overlap the range. Daylight saving keeps every hour 60 minutes long: the
 * spring night has one hour fewer, the autumn night has the repeated hour twice (one window each).
 */
export function hourWindows(range: TimeRange, zone: TimeZone | number = UTC_ZONE): OeeWindow[] {
  const name = zoneOf(zone);
  const kind = OeeWindowKind.OEE_WINDOW_KIND_HOUR;
  const windows: OeeWindow[] = [];
  let startMs = localHourStartMs(name, Math.floor(range.fromUs / MS_PER_US));
  while (startMs * MS_PER_US < range.toUs) {
    let endMs = localHourStartMs(name, startMs + HOUR_US / MS_PER_US);
    // A zone whose offset moves by half an hour has a local hour of 30 or 90 minutes.
    if (endMs <= startMs) endMs = startMs + HOUR_US / MS_PER_US;
    windows.push({ kind, startUs: startMs * MS_PER_US, endUs: endMs * MS_PER_US, ref: '' });
    startMs = endMs;
  }
  return windows;
}

/**
 * Whole local days (midnight to midnight in the zone) that overlap the range: 23 hours on the day the clocks go
 * forward, 25 on the day they go back.
 */
export function dayWindows(range: TimeRange, zone: TimeZone | number = UTC_ZONE): OeeWindow[] {
  const name = zoneOf(zone);
  const kind = OeeWindowKind.OEE_WINDOW_KIND_DAY;
  const windows: OeeWindow[] = [];
  let date = localDateAt(name, Math.floor(range.fromUs / MS_PER_US));
  let startMs = utcOfLocal(name, date, 0);
  while (startMs * MS_PER_US < range.toUs) {
    date = addDays(date, 1);
    const endMs = utcOfLocal(name, date, 0);
    windows.push({ kind, startUs: startMs * MS_PER_US, endUs: endMs * MS_PER_US, ref: '' });
    startMs = endMs;
  }
  return windows;
}

function overlapsRange(startUs: number, endUs: number, range: TimeRange): boolean {
  return startUs < range.toUs && endUs > range.fromUs;
}

export function shiftWindows(range: TimeRange, shifts: readonly ShiftSpan[]): OeeWindow[] {
  return shifts
    .filter((shift) => shift.endUs > shift.startUs && overlapsRange(shift.startUs, shift.endUs, range))
    .map((shift) => ({
      kind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      startUs: shift.startUs,
      endUs: shift.endUs,
      ref: shift.shiftId,
    }));
}

export function orderWindows(
  range: TimeRange,
  orders: readonly OrderSpan[],
  openOrderEndUs?: number,
): OeeWindow[] {
  const windows: OeeWindow[] = [];
  for (const order of orders) {
    const endUs = order.endUs ?? openOrderEndUs;
    if (endUs === undefined || endUs <= order.startUs || !overlapsRange(order.startUs, endUs, range))
      continue;
    windows.push({
      kind: OeeWindowKind.OEE_WINDOW_KIND_ORDER,
      startUs: order.startUs,
      endUs,
      ref: order.orderId,
    });
  }
  return windows;
}

function byKindThenStart(a: OeeWindow, b: OeeWindow): number {
  return a.kind - b.kind || a.startUs - b.startUs || a.ref.localeCompare(b.ref);
}

/** Every hour, shift, order and day window that overlaps the range. */
export function windowsFor(range: TimeRange, calendar: WindowCalendar = {}): OeeWindow[] {
  const zone = calendar.timeZone ?? calendar.utcOffsetMinutes ?? UTC_ZONE;
  return [
    ...hourWindows(range, zone),
    ...shiftWindows(range, calendar.shifts ?? []),
    ...orderWindows(range, calendar.orders ?? [], calendar.openOrderEndUs),
    ...dayWindows(range, zone),
  ].sort(byKindThenStart);
}

/**
 * The windows whose result changes when data at `change` (an event time, or the interval a change affects)
 * arrives late. For a state change pass [start of the run of states before it, start of the next change): the
 * change can turn the previous stop into a micro-stop or not and move the window it is counted in.
 */
export function windowsAffectedBy(change: number | TimeRange, calendar: WindowCalendar = {}): OeeWindow[] {
  const pointUs = typeof change === 'number' ? change : change.fromUs;
  const range: TimeRange =
    typeof change !== 'number' && change.toUs > change.fromUs
      ? change
      : { fromUs: pointUs, toUs: pointUs + 1 };
  return windowsFor(range, calendar);
}
