// What a value must be to cross a Kiln boundary (REST, gRPC, connectors, Kafka decode, ERP, plant file): checked
// once at the edge, so that nothing past it can make the database refuse a record, overflow an int64 or stall a
// consumer. Each check returns a problem in words (what is wrong and what is expected) or undefined; the caller
// adds the field's name and decides between a 400, a dead letter or a config error. Times: event-time.ts.
import { RuleError } from './record-errors';
import { timeProblem } from './event-time';

/** Longest text Kiln keeps in one field (tag, reason text, ids): PostgreSQL and Kafka headers take more. */
export const MAX_TEXT_LENGTH = 4096;

/** How far from the receiver's clock live data may be stamped: further is a broken source clock or an attack. */
export interface PlausibleTimeWindow {
  /** How far in the past a source time may lie (late data, a buffer drained after an outage). */
  readonly pastUs: number;
  /** How far in the future (clock skew); what lies beyond is refused, not corrected. */
  readonly futureUs: number;
}

export const DEFAULT_PLAUSIBLE_TIME_WINDOW: PlausibleTimeWindow = {
  pastUs: 366 * 24 * 3600 * 1_000_000,
  futureUs: 24 * 3600 * 1_000_000,
};

/** A live time within the window around `nowUs` (and a time at all). */
export function plausibleTimeProblem(
  us: number,
  nowUs: number,
  window: PlausibleTimeWindow = DEFAULT_PLAUSIBLE_TIME_WINDOW,
): string | undefined {
  const problem = timeProblem(us);
  if (problem !== undefined) return problem;
  if (us < nowUs - window.pastUs || us > nowUs + window.futureUs) {
    const days = (microseconds: number): string => `${Math.round(microseconds / 86_400_000_000)} days`;
    return (
      `is ${new Date(Math.floor(us / 1000)).toISOString()}, outside the accepted window ` +
      `(${days(window.pastUs)} before to ${days(window.futureUs)} after now)`
    );
  }
  return undefined;
}

// NUL, which PostgreSQL refuses in text, and the other C0 controls and DEL; tab, line feed and carriage return
// are ordinary in free text (a reason an operator typed). Lone surrogates cannot be encoded as UTF-8.
const FORBIDDEN_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text without NUL, control characters or broken UTF-16, at most `maxLength` characters. */
export function textProblem(text: string, maxLength: number = MAX_TEXT_LENGTH): string | undefined {
  if (text.length > maxLength) return `is ${text.length} characters long, at most ${maxLength} expected`;
  const match = FORBIDDEN_CHARACTER.exec(text);
  if (match !== null) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `holds the character U+${code} at position ${match.index}; control characters are not accepted`;
  }
  return undefined;
}

/** A finite number (no NaN, no infinity), within [min, max] where given. */
export function numberProblem(value: number, range: { min?: number; max?: number } = {}): string | undefined {
  if (!Number.isFinite(value)) return `is ${value}, not a finite number`;
  if (range.min !== undefined && value < range.min) return `is ${value}, expected at least ${range.min}`;
  if (range.max !== undefined && value > range.max) return `is ${value}, expected at most ${range.max}`;
  return undefined;
}

/**
 * The first text anywhere in a decoded message (nested messages and lists included) that textProblem refuses,
 * with its path (`deltas[3].orderId`, `event.value.reasonText`); undefined when every text is acceptable.
 */
export function firstTextProblem(
  message: unknown,
  maxLength: number = MAX_TEXT_LENGTH,
): { field: string; problem: string } | undefined {
  const walk = (value: unknown, path: string): { field: string; problem: string } | undefined => {
    if (typeof value === 'string') {
      const problem = textProblem(value, maxLength);
      return problem === undefined ? undefined : { field: path, problem };
    }
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        const found = walk(value[i], `${path}[${i}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(value)) {
      const found = walk(item, path === '' ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(message, '');
}

/**
 * Throws a {@link RuleError} `<what>: <field> <problem>` for the first text of a decoded event that
 * {@link textProblem} refuses: PostgreSQL refuses U+0000 (SQLSTATE 22021), which would otherwise fail the insert
 * of a whole batch.
 */
export function checkEventTexts(what: string, message: object, maxLength: number = MAX_TEXT_LENGTH): void {
  const found = firstTextProblem(message, maxLength);
  if (found !== undefined) throw new RuleError(`${what}: ${found.field} ${found.problem}`);
}
