// Time ranges of requests: ISO 8601 text (REST) or epoch microseconds (gRPC) in, a checked [from, to) out.
// Ranges are capped so that one request cannot scan years of raw telemetry.
import { timeProblem } from '@kiln/contracts';
import { ApiError, invalidArgument } from '../errors';

export interface TimeRangeUs {
  readonly fromUs: number;
  readonly toUs: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 time with a zone (`2026-03-02T06:00:00Z`, `...+01:00`) in epoch microseconds, or the problem with
 * it in words: not such a time, or outside 1970 through 2255 (what the database and int64 hold).
 */
export function isoTimeOf(text: string): { us: number } | { problem: string } {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  if (!ISO_TIME.test(text)) {
    return { problem: `"${shown}" is not an ISO 8601 time with a zone, e.g. 2026-03-02T06:00:00Z` };
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return { problem: `"${shown}" is not a valid time` };
  const fraction = /\.(\d{1,6})/.exec(text)?.[1] ?? '';
  const extraUs = fraction.length > 3 ? Number(fraction.slice(3).padEnd(3, '0')) : 0;
  const us = ms * 1000 + extraUs;
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
