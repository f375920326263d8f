// SQL text helpers: schema names, time conversion between Kiln's epoch microseconds and timestamptz, and
// bucket widths. Pure functions, no I/O.
import { isoFromMicros } from '@kiln/contracts';

export const DEFAULT_SCHEMA = 'kiln';

/**
 * `sum / count` in SQL as a float8, NULL when `count` is 0. PostgreSQL raises "value out of range: underflow"
 * where a nonzero quotient rounds to zero (float8 division, or a numeric quotient cast back to float8): subnormal
 * values, a sensor's 6e-323, would fail every refresh or query of their bucket. A sum below the smallest normal
 * double averages to 0 (off by less than 2.3e-308).
 */
export function averageOfSums(sum: string, count: string): string {
  return `CASE WHEN abs(${sum}) < 2.2250738585072014e-308
              THEN CASE WHEN ${count} > 0 THEN 0::float8 END
              ELSE (${sum})::float8 / nullif(${count}, 0)::float8 END`;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentError';
}

/** A schema name safe to splice into SQL: lower case letters, digits and `_`, at most 63 characters. */
export function checkedSchema(schema: string | undefined): string {
  const name = schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(name)) {
    throw new InvalidArgumentError(
      `schema "${name}" is not a plain lower-case identifier (expected ${SCHEMA_NAME.source})`,
    );
  }
  return name;
}

/** A timestamptz parameter (ISO 8601 with microseconds) from epoch microseconds. */
export function timestampParam(epochUs: number, what = 'time'): string {
  if (!Number.isFinite(epochUs))
    throw new InvalidArgumentError(`${what} must be a finite number, got ${epochUs}`);
  return isoFromMicros(Math.round(epochUs));
}

/** SQL expression turning a timestamptz column into epoch microseconds as a float8 (exact below 2^53). */
export function epochUsOf(column: string): string {
  return `(extract(epoch from ${column}) * 1000000)::float8`;
}

export interface BucketWidth {
  /** PostgreSQL interval literal, e.g. `5 minutes`. */
  interval: string;
  widthUs: number;
}

const UNIT_US: Record<string, number> = {
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};
const UNIT_NAMES: Record<string, string> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days' };
const LONG_UNITS: Record<string, string> = {
  second: 's',
  seconds: 's',
  minute: 'm',
  minutes: 'm',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
};

/**
 * A fixed-width bucket: `30s`, `1m`, `15m`, `1h`, `1d`, or `<n> seconds|minutes|hours|days`. Months and
 * years are refused: they have no fixed width, and `date_bin` (the plain-PostgreSQL path) cannot bin by them.
 */
export function parseBucket(spec: string): BucketWidth {
  const short = /^(\d+)\s*([smhd])$/.exec(spec.trim());
  const long = /^(\d+)\s+([a-z]+)$/.exec(spec.trim().toLowerCase());
  const count = Number(short?.[1] ?? long?.[1]);
  const unit = short?.[2] ?? LONG_UNITS[long?.[2] ?? ''];
  const unitUs = unit === undefined ? undefined : UNIT_US[unit];
  if (unit === undefined || unitUs === undefined || !Number.isSafeInteger(count) || count <= 0) {
    throw new InvalidArgumentError(
      `bucket "${spec}" is not a fixed width: expected e.g. 30s, 1m, 15m, 1h, 1d or "5 minutes"`,
    );
  }
  const name = UNIT_NAMES[unit] ?? '';
  return { interval: `${count} ${count === 1 ? name.slice(0, -1) : name}`, widthUs: count * unitUs };
}

/** Floors `epochUs` to a multiple of `widthUs` counted from the epoch. */
export function floorUs(epochUs: number, widthUs: number): number {
  return Math.floor(epochUs / widthUs) * widthUs;
}

/** Ceils `epochUs` to a multiple of `widthUs` counted from the epoch. */
export function ceilUs(epochUs: number, widthUs: number): number {
  return Math.ceil(epochUs / widthUs) * widthUs;
}

/** Refuses a page size that is not a positive integer. */
export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`limit must be a positive integer, got ${limit}`);
  }
}

/** Collects the positional parameters of a statement built from optional filters: `param(value)` is its `$n`. */
export function positionalParameters(): { params: unknown[]; param: (value: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    param: (value) => {
      params.push(value);
      return `$${params.length}`;
    },
  };
}

/** Refuses a value outside `allowed`, naming it: `<what> "<value>" is not one of a, b, c`. */
export function checkOneOf(value: string, allowed: readonly string[], what: string): void {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(`${what} "${value}" is not one of ${allowed.join(', ')}`);
  }
}
