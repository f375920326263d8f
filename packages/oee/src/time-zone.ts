// Local wall-clock time of a site: an IANA time zone (`Europe/Berlin`) read through the runtime's built-in Intl
// data, daylight saving included, or (the deprecated `utcOffsetMinutes`) a fixed offset written `+01:00`. No
// offset tables of our own: Intl says the wall clock at an instant; a short search maps a wall clock back to UTC.
import { OeeInputError } from './errors';

/** An IANA zone name (`Europe/Berlin`, `UTC`) or a fixed offset `+HH:MM` / `-HH:MM` (no daylight saving). */
export type TimeZone = string;

export const UTC_ZONE: TimeZone = 'UTC';

/** A local calendar date; `month` 1-12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const FIXED_OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const MAX_FIXED_OFFSET_MINUTES = 14 * 60;

const formatters = new Map<string, Intl.DateTimeFormat>();

function fixedOffsetMinutes(zone: TimeZone): number | undefined {
  const match = FIXED_OFFSET.exec(zone);
  if (match === null) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function formatterOf(zone: TimeZone): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Whether `zone` is an IANA zone the runtime knows or a fixed offset within ±14:00. */
export function isTimeZone(zone: string): boolean {
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== undefined) return Math.abs(fixed) <= MAX_FIXED_OFFSET_MINUTES && Number(zone.slice(4)) < 60;
  if (zone === '' || zone !== zone.trim()) return false;
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone, validated; throws OeeInputError naming `path` and the value. */
export function checkTimeZone(zone: string, path: string): TimeZone {
  if (!isTimeZone(zone)) {
    throw new OeeInputError(
      `${JSON.stringify(zone)} is not an IANA time zone (such as Europe/Berlin or America/Chicago) ` +
        'nor a fixed offset such as +01:00',
      path,
    );
  }
  return zone;
}

/** The fixed-offset zone of the deprecated `utcOffsetMinutes` (60 -> `+01:00`). */
export function fixedOffsetZone(utcOffsetMinutes: number): TimeZone {
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > MAX_FIXED_OFFSET_MINUTES) {
    throw new OeeInputError(
      `expected whole minutes between -${MAX_FIXED_OFFSET_MINUTES} and ${MAX_FIXED_OFFSET_MINUTES}, ` +
        `got ${utcOffsetMinutes}`,
      'utcOffsetMinutes',
    );
  }
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Offsets already read, per zone and whole second: windows of the same days ask for the same instants again. */
const offsetCache = new Map<TimeZone, Map<number, number>>();
const MAX_CACHED_OFFSETS = 100_000;

/** Local wall-clock minus UTC at the instant, in milliseconds (3_600_000 for CET, 7_200_000 for CEST). */
export function offsetMsAt(zone: TimeZone, utcMs: number): number {
  const fixed = zone === UTC_ZONE ? 0 : fixedOffsetMinutes(zone);
  if (fixed !== undefined) return fixed * MINUTE_MS;
  const wholeSecondMs = Math.floor(utcMs / 1000) * 1000;
  let cache = offsetCache.get(zone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(zone, cache);
  }
  const cached = cache.get(wholeSecondMs);
  if (cached !== undefined) return cached;
  if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
  const offsetMs = intlOffsetMs(zone, wholeSecondMs);
  cache.set(wholeSecondMs, offsetMs);
  return offsetMs;
}

function intlOffsetMs(zone: TimeZone, wholeSecondMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(wholeSecondMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wallMs = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wallMs - wholeSecondMs;
}

/** The local date at an instant. */
export function localDateAt(zone: TimeZone, utcMs: number): LocalDate {
  const wall = new Date(utcMs + offsetMsAt(zone, utcMs));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** `YYYY-MM-DD`. */
export function isoDateOf(date: LocalDate): string {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).toISOString().slice(0, 10);
}

/**
 * The instant (UTC ms) the local wall clock of `zone` shows `minuteOfDay` minutes after midnight of `date`
 * (1440 and more run into the following days). Daylight saving decides twice a year:
 * - a wall-clock time the clocks skip (spring forward, 02:30 in Europe/Berlin on the last Sunday of March) is
 *   the moment the clocks jump, the first local time after the gap (03:00 local, 01:00 UTC);
 * - a wall-clock time shown twice (fall back, 02:30 on the last Sunday of October) is its first occurrence, still
 *   in summer time (00:30 UTC).
 */
export function utcOfLocal(zone: TimeZone, date: LocalDate, minuteOfDay: number): number {
  const wallMs = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // An offset in force a day either side of the instant: zones change their offset at most once in two days.
  const candidates = [offsetMsAt(zone, wallMs - DAY_MS), offsetMsAt(zone, wallMs + DAY_MS)];
  const valid = candidates
    .map((offsetMs) => wallMs - offsetMs)
    .filter((utcMs) => wallMs - offsetMsAt(zone, utcMs) === utcMs);
  if (valid.length > 0) return Math.min(...valid);
  // Skipped: the clocks jumped between the two readings; find the jump to the millisecond.
  const before = Math.min(...candidates);
  const after = Math.max(...candidates);
  let low = wallMs - after;
  let high = wallMs - before;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetMsAt(zone, middle) === before) low = middle;
    else high = middle;
  }
  return high;
}
