// Where the OEE service gets an asset's shifts and settings: ERP shifts from the database, else the shift
// calendar YAML of plants without ERP shifts; settings from the configuration by asset-id prefix.
import { readFileSync } from 'node:fs';
import { DAY_US, type OeeSettingsInput, type ShiftSpan, type TimeRange } from '@kiln/oee';
import { parse } from 'yaml';
import { shiftCalendarFileSchema, WEEKDAYS, type OeeSection, type ShiftCalendar } from './config';

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

const MINUTE_US = 60_000_000;

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** Shift spans of a calendar that overlap the range, ids `<name>@<local start date>`. */
export function calendarShifts(
  calendar: ShiftCalendar,
  range: TimeRange,
  utcOffsetMinutes: number,
): ShiftSpan[] {
  const offsetUs = utcOffsetMinutes * MINUTE_US;
  const spans: ShiftSpan[] = [];
  // A shift may start the local day before the range and run past midnight.
  const firstDayUs = Math.floor((range.fromUs + offsetUs) / DAY_US) * DAY_US - DAY_US;
  for (let localDayUs = firstDayUs; localDayUs - offsetUs < range.toUs; localDayUs += DAY_US) {
    const weekday = WEEKDAYS[new Date(localDayUs / 1000).getUTCDay()];
    const date = new Date(localDayUs / 1000).toISOString().slice(0, 10);
    for (const shift of calendar.shifts) {
      if (weekday === undefined || !shift.days.includes(weekday)) continue;
      const startMin = minutesOf(shift.start);
      const endMin = minutesOf(shift.end) <= startMin ? minutesOf(shift.end) + 24 * 60 : minutesOf(shift.end);
      const startUs = localDayUs - offsetUs + startMin * MINUTE_US;
      const endUs = localDayUs - offsetUs + endMin * MINUTE_US;
      if (!(startUs < range.toUs && endUs > range.fromUs)) continue;
      const breaks = shift.breaks.map((pause) => {
        let breakStart = minutesOf(pause.start);
        if (breakStart < startMin) breakStart += 24 * 60;
        let breakEnd = minutesOf(pause.end);
        if (breakEnd <= breakStart) breakEnd += 24 * 60;
        return {
          startUs: localDayUs - offsetUs + breakStart * MINUTE_US,
          endUs: localDayUs - offsetUs + breakEnd * MINUTE_US,
        };
      });
      spans.push({ shiftId: `${shift.name}@${date}`, startUs, endUs, breaks });
    }
  }
  return spans.sort((a, b) => a.startUs - b.startUs);
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
