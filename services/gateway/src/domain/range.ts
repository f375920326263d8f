// Time ranges of requests: ISO 8601 text (REST) or epoch microseconds (gRPC) in, a checked [from, to) out.
// Ranges are capped so that one request cannot scan years of raw telemetry.
import { timeProblem } from '@kiln/contracts';
import { ApiError, invalidArgument } from '../errors';

export interface TimeRangeUs {
  readonly fromUs: number;
  readonly toUs: number;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days in `month` (1-12) of `year` (proleptic Gregorian). */
const daysIn = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** What is out of range in the fields of an ISO time, in words; undefined when every field is in range. */
function fieldProblem(fields: readonly number[]): string | undefined {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] =
    fields;
  if (month < 1 || month > 12) return `month ${month} is not 1-12`;
  const days = daysIn(year, month);
  if (day < 1 || day > days)
    return `${MONTHS[month - 1] ?? ''} ${String(year).padStart(4, '0')} has days 1-${days}, not ${day}`;
  if (hour > 23) return `hour ${hour} is not 0-23`;
  if (minute > 59) return `minute ${minute} is not 0-59`;
  if (second > 59) return `second ${second} is not 0-59`;
  if (offsetHours > 23 || offsetMinutes > 59) return 'the zone offset is not +-00:00 to +-23:59';
  return undefined;
}

/**
 * An ISO 8601 time with a zone (`2026-03-02T06:00:00Z`, `...+01:00`) in epoch microseconds, or the problem with
 * it in words: not such a time, a field out of range (`2026-02-30` is not read as March 2), or outside 1970
 * through 2255 (what the database and int64 hold).
 */
export function isoTimeOf(text: string): { us: number } | { problem: string } {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  const match = ISO_TIME.exec(text);
  if (match === null) {
    return { problem: `"${shown}" is not an ISO 8601 time with a zone, e.g. 2026-03-02T06:00:00Z` };
  }
  const number = (index: number): number => Number(match[index] ?? 0);
  const fields = [1, 2, 3, 4, 5, 6, 9, 10].map(number);
  const problem = fieldProblem(fields);
  if (problem !== undefined) return { problem: `"${shown}" is not a valid time: ${problem}` };
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] =
    fields;
  const fractionUs = Number((match[7] ?? '').padEnd(6, '0'));
  const offsetMs = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = new Date(0);
  // setUTCFullYear: Date.UTC would read years 0-99 as 1900-1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  const us = (utc.getTime() - offsetMs) * 1000 + fractionUs;
  if (timeProblem(us) !== undefined) return { problem: `"${shown}" is not a time between 1970 and 2255` };
  return { us };
}

/** Parses an ISO 8601 time with a zone into epoch microseconds; an ApiError naming the field otherwise. */
export function parseIsoTime(field: string, text: string): number {
  const time = isoTimeOf(text);
  if ('problem' in time) throw invalidArgument(field, time.problem);
  return time.us;
}

export const isoOf = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

/** Checks both ends (1970 through 2255), from < to and the span against the cap (days). */
export function checkedRange(fromUs: number, toUs: number, maxDays: number): TimeRangeUs {
  const fromProblem = timeProblem(fromUs);
  if (fromProblem !== undefined) throw invalidArgument('from', fromProblem);
  const toProblem = timeProblem(toUs);
  if (toProblem !== undefined) throw invalidArgument('to', toProblem);
  if (!(toUs > fromUs)) throw invalidArgument('to', 'must be after from');
  const maxUs = maxDays * 86_400_000_000;
  if (toUs - fromUs > maxUs) {
    throw new ApiError(
      'out-of-range',
      `the range is longer than the ${maxDays} days allowed; ask in parts`,
      'to',
    );
  }
  return { fromUs, toUs };
}
