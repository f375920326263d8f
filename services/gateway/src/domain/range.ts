// Time ranges of requests: ISO 8601 text (REST) or epoch microseconds (gRPC) in, a checked [from, to) out.
// Ranges are capped so that one request cannot scan years of raw telemetry.
import { ApiError, invalidArgument } from '../errors';

export interface TimeRangeUs {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Parses an ISO 8601 time with a zone (`2026-03-02T06:00:00Z`, `...+01:00`) into epoch microseconds. */
export function parseIsoTime(field: string, text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw invalidArgument(field, `"${text}" is not an ISO 8601 time with a zone, e.g. 2026-03-02T06:00:00Z`);
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw invalidArgument(field, `"${text}" is not a valid time`);
  const fraction = /\.(\d{1,6})/.exec(text)?.[1] ?? '';
  const extraUs = fraction.length > 3 ? Number(fraction.slice(3).padEnd(3, '0')) : 0;
  return ms * 1000 + extraUs;
}

export const isoOf = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

/** Checks from < to and the span against the cap (days). */
export function checkedRange(fromUs: number, toUs: number, maxDays: number): TimeRangeUs {
  if (!Number.isFinite(fromUs)) throw invalidArgument('from', 'must be a valid time');
  if (!Number.isFinite(toUs)) throw invalidArgument('to', 'must be a valid time');
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
