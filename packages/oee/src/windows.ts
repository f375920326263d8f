// The windows OEE is computed for (DESIGN.md section 6: hour, shift, production order, day) and the windows a
// late event touches, so the service knows what to recompute (DESIGN.md section 5).
import { OeeWindowKind } from '@kiln/contracts';
import { OeeInputError } from './errors';
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
  /**
   * Fixed offset of local time from UTC in minutes (e.g. 60 for CET) for hour and day boundaries. A fixed offset
   * knows no daylight saving: the caller passes the offset in force for the range.
   */
  readonly utcOffsetMinutes?: number;
  /** Where the window of a still open order ends (e.g. the latest event time seen); without it none is made. */
  readonly openOrderEndUs?: number;
}

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;
const MAX_OFFSET_MINUTES = 14 * 60;

function offsetUs(utcOffsetMinutes: number): number {
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > MAX_OFFSET_MINUTES) {
    throw new OeeInputError(
      `expected whole minutes between -${MAX_OFFSET_MINUTES} and ${MAX_OFFSET_MINUTES}, got ${utcOffsetMinutes}`,
      'utcOffsetMinutes',
    );
  }
  return utcOffsetMinutes * 60_000_000;
}

function alignedWindows(range: TimeRange, stepUs: number, shiftUs: number, kind: OeeWindowKind): OeeWindow[] {
  const windows: OeeWindow[] = [];
  let startUs = Math.floor((range.fromUs + shiftUs) / stepUs) * stepUs - shiftUs;
  while (startUs < range.toUs) {
    windows.push({ kind, startUs, endUs: startUs + stepUs, ref: '' });
    startUs += stepUs;
  }
  return windows;
}

/** Whole hours (local to the offset) that overlap the range. */
export function hourWindows(range: TimeRange, utcOffsetMinutes = 0): OeeWindow[] {
  return alignedWindows(range, HOUR_US, offsetUs(utcOffsetMinutes), OeeWindowKind.OEE_WINDOW_KIND_HOUR);
}

/** Whole days (midnight to midnight local to the offset) that overlap the range. */
export function dayWindows(range: TimeRange, utcOffsetMinutes = 0): OeeWindow[] {
  return alignedWindows(range, DAY_US, offsetUs(utcOffsetMinutes), OeeWindowKind.OEE_WINDOW_KIND_DAY);
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
  const offset = calendar.utcOffsetMinutes ?? 0;
  return [
    ...hourWindows(range, offset),
    ...shiftWindows(range, calendar.shifts ?? []),
    ...orderWindows(range, calendar.orders ?? [], calendar.openOrderEndUs),
    ...dayWindows(range, offset),
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
