// Where OEE (the OEE service's and the gateway's on request) gets an asset's shifts and settings: ERP shifts from
// the database, else the shift calendar YAML of plants without ERP shifts; settings from the configuration by
// asset-id prefix.
import { readFileSync } from 'node:fs';
import {
  fixedOffsetZone,
  minuteOfClock,
  weeklyShiftSpans,
  type OeeSettingsInput,
  type ShiftSpan,
  type TimeRange,
  type TimeZone,
  type Weekday,
  type WeeklyShift,
} from '@kiln/oee';
import { parse } from 'yaml';
import { shiftCalendarFileSchema, WEEKDAYS, type OeeSection, type ShiftCalendar } from './oee-section';

export class CalendarFileError extends Error {
  override readonly name = 'CalendarFileError';
}

/** Reads and validates the shift calendar file; errors name the file and the offending key. */
export function readCalendarFile(file: string): ShiftCalendar[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CalendarFileError(
      `shift calendar ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = shiftCalendarFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new CalendarFileError(`shift calendar ${file} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data.calendars;
}

/**
 * Shift spans of a calendar that overlap the range, ids `<name>@<local start date>`, on the zone's wall clock
 * (a number: the deprecated fixed offset in minutes).
 */
export function calendarShifts(
  calendar: ShiftCalendar,
  range: TimeRange,
  zone: TimeZone | number,
): ShiftSpan[] {
  const shifts = calendar.shifts.map((shift): WeeklyShift => ({
    name: shift.name,
    startMinute: minuteOfClock(shift.start),
    endMinute: minuteOfClock(shift.end),
    days: shift.days.map((day) => WEEKDAYS.indexOf(day) as Weekday),
    breaks: shift.breaks.map((pause) => ({
      startMinute: minuteOfClock(pause.start),
      endMinute: minuteOfClock(pause.end),
    })),
  }));
  return weeklyShiftSpans(shifts, range, typeof zone === 'number' ? fixedOffsetZone(zone) : zone);
}

function longestPrefix<T>(assetId: string, entries: Iterable<[string, T]>): T | undefined {
  let best: [string, T] | undefined;
  for (const entry of entries) {
    if (assetId.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length))
      best = entry;
  }
  return best?.[1];
}

/** The calendar that applies to an asset (longest asset prefix), if any. */
export function calendarFor(assetId: string, calendars: readonly ShiftCalendar[]): ShiftCalendar | undefined {
  return longestPrefix(
    assetId,
    calendars.map((calendar): [string, ShiftCalendar] => [calendar.assetPrefix, calendar]),
  );
}

/** The settings of an asset: the default, overridden key by key by the longest matching asset prefix. */
export function settingsFor(assetId: string, settings: OeeSection['settings']): OeeSettingsInput {
  const override = longestPrefix(assetId, Object.entries(settings.assets)) ?? {};
  const merged: Record<string, unknown> = { ...settings.default };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) merged[key] = value;
  return merged as OeeSettingsInput;
}
