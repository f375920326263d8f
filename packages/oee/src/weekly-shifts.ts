// A weekly shift pattern (the shift calendar of plants whose ERP sends no shifts) laid out in UTC for a range:
// each shift starts and ends at its local wall-clock time in the site's zone, so a night shift across a daylight
// saving switch lasts 7 or 9 hours of calendar time, as the clocks on the wall say.
import { addDays, isoDateOf, localDateAt, utcOfLocal, weekdayOf, type TimeZone } from './time-zone';
import type { ShiftSpan, TimeRange } from './types';

/** 0 = Sunday ... 6 = Saturday, as `Date.getUTCDay`. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface WeeklyShift {
  readonly name: string;
  /** Minutes after local midnight of the day it starts on. */
  readonly startMinute: number;
  /** Minutes after local midnight; at or before the start: the next day. */
  readonly endMinute: number;
  /** Days the shift starts on. */
  readonly days: readonly Weekday[];
  readonly breaks: readonly { readonly startMinute: number; readonly endMinute: number }[];
}

const MINUTES_PER_DAY = 24 * 60;
const US_PER_MS = 1000;

/** Minutes of `HH:MM`. */
export function minuteOfClock(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * The shifts of the pattern that overlap the range, ids `<name>@<local start date>`, in UTC microseconds. A
 * local time the clocks skip is the moment they jump, a repeated one its first occurrence (`utcOfLocal`).
 */
export function weeklyShiftSpans(
  shifts: readonly WeeklyShift[],
  range: TimeRange,
  zone: TimeZone,
): ShiftSpan[] {
  const spans: ShiftSpan[] = [];
  // A shift may start the local day before the range and run past midnight.
  let date = addDays(localDateAt(zone, Math.floor(range.fromUs / US_PER_MS)), -1);
  const lastDate = isoDateOf(localDateAt(zone, Math.floor(range.toUs / US_PER_MS)));
  const usOf = (minute: number): number => utcOfLocal(zone, date, minute) * US_PER_MS;
  for (; isoDateOf(date) <= lastDate; date = addDays(date, 1)) {
    const weekday = weekdayOf(date);
    for (const shift of shifts) {
      if (!shift.days.includes(weekday as Weekday)) continue;
      const startMin = shift.startMinute;
      const endMin = shift.endMinute <= startMin ? shift.endMinute + MINUTES_PER_DAY : shift.endMinute;
      const startUs = usOf(startMin);
      const endUs = usOf(endMin);
      if (!(startUs < range.toUs && endUs > range.fromUs)) continue;
      const breaks = shift.breaks.map((pause) => {
        const breakStart =
          pause.startMinute < startMin ? pause.startMinute + MINUTES_PER_DAY : pause.startMinute;
        const breakEnd = pause.endMinute <= breakStart ? pause.endMinute + MINUTES_PER_DAY : pause.endMinute;
        return { startUs: usOf(breakStart), endUs: usOf(breakEnd) };
      });
      spans.push({ shiftId: `${shift.name}@${isoDateOf(date)}`, startUs, endUs, breaks });
    }
  }
  return spans.sort((a, b) => a.startUs - b.startUs);
}
