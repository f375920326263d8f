// The one event-time check: which times a record may carry (in whole µs since the epoch, as every event does; see
// proto/kiln/events/v1/common.proto). A consumer refuses a record with any other time at decode (RuleError, so the
// record goes to the dead-letter topic), an edge refuses it with a 400 or a reject, both with the same words.
import { RuleError } from './record-errors';

/**
 * Latest time Kiln takes, in µs since the epoch: the largest whole number a double holds exactly
 * (2255-06-05T23:47:34.740991Z). It fits int64 and PostgreSQL's timestamptz (up to 294276 AD) alike.
 */
export const MAX_TIME_US = Number.MAX_SAFE_INTEGER;
const MAX_TIME_YEAR = new Date(Math.floor(MAX_TIME_US / 1000)).getUTCFullYear();

/** A time in whole µs since the epoch that a number, int64 and the database all hold: 1970 through 2255. */
export function timeProblem(us: number): string | undefined {
  if (!Number.isSafeInteger(us) || us < 0) {
    return `is ${us} us, not a time between 1970 and ${MAX_TIME_YEAR}`;
  }
  return undefined;
}

export interface EventTimeCheckOptions {
  /** The field is optional and 0 (protobuf's default: the producer set none) means unset, which passes. */
  readonly zeroIsUnset?: boolean;
}

/**
 * Throws a {@link RuleError} `<field> is <us> us, not a time between 1970 and 2255` unless `us` is a time Kiln
 * takes; `field` names the record and the field (`count delta 3 of asset "press-04": time`).
 */
export function checkEventTime(field: string, us: number, options: EventTimeCheckOptions = {}): void {
  if (options.zeroIsUnset === true && us === 0) return;
  const problem = timeProblem(us);
  if (problem !== undefined) throw new RuleError(`${field} ${problem}`);
}
