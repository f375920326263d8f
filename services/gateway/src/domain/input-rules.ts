// What text, times and numbers must be to enter through the API (issue 13, "validate at every boundary"): the
// rules REST's schemas and gRPC's request checks both apply, so that nothing past the gateway can make the
// database refuse a record or a consumer stall on it. Each returns a problem in words or undefined; the transport
// adds the field's name.
import { plausibleTimeProblem, textProblem, timeProblem, type PlausibleTimeWindow } from '@kiln/contracts';

/** Identifiers, codes and names: one line. Free text (a reason an operator typed, a comment): lines allowed. */
export type TextKind = 'line' | 'free';

export interface TextRule {
  readonly maxLength: number;
  readonly kind: TextKind;
}

const LINE_BREAK = /[\t\n\r]/;

/** No NUL, other control characters or broken UTF-16, at most maxLength characters; `line` text also no tab or line break. */
export function textRuleProblem(text: string, rule: TextRule): string | undefined {
  const problem = textProblem(text, rule.maxLength);
  if (problem !== undefined || rule.kind === 'free') return problem;
  const match = LINE_BREAK.exec(text);
  if (match === null) return undefined;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `holds the character U+${code} at position ${match.index}; one line without tabs is expected`;
}

/** A time stored as it is: 1970 through 2255 (query ranges, planned orders and shifts). */
export const storableTimeProblem = (us: number): string | undefined => timeProblem(us);

/** How far from the gateway's clock live plant data (machine states, counts) may be stamped. */
export interface LiveTimeCheck {
  /** The gateway's clock in ms since the epoch. */
  readonly now: () => number;
  readonly window: PlausibleTimeWindow;
}

export const liveTimeProblem = (us: number, check: LiveTimeCheck): string | undefined =>
  plausibleTimeProblem(us, check.now() * 1000, check.window);

/** The window of gateway.limits.liveEventWindow (days before, hours after now). */
export const windowOf = (setting: { pastDays: number; futureHours: number }): PlausibleTimeWindow => ({
  pastUs: setting.pastDays * 86_400_000_000,
  futureUs: setting.futureHours * 3_600_000_000,
});

/** Most parts one production count delta may carry; more is a counter glitch, not production. */
export const MAX_COUNT_DELTA = 1e9;
/** Most units an order may target. */
export const MAX_ORDER_QUANTITY = 1e12;
/** Longest ideal cycle time or micro-stop threshold: a day. */
export const MAX_CYCLE_TIME_S = 86_400;
