// PLC production counters -> increments (kiln.production-count.v1 carries deltas, never negative).
// A counter counts up, wraps to 0 at a known limit (65536 for a UINT16) and is sometimes reset to 0 by an operator
// or a PLC restart. Each reading is compared with the last one in time order:
//   v >= last                                   -> delta v - last
//   v <  last, limit known, limit - last + v <= maxJump (default limit / 2) -> rollover, delta limit - last + v
//   v <  last otherwise                         -> reset, delta v (the parts counted since the reset)
// A reading older than the last one never moves the baseline (it would count parts twice), and a reading equal
// to the last one is a duplicate. A reset just after the counter passed limit - maxJump looks exactly like a
// rollover; no rule can tell them apart, so keep maxJump small where resets are common.
import type { CounterSettings } from './mapping';

export interface CounterReading {
  readonly timeUs: number;
  readonly raw: number;
}

export type CounterStep =
  | { readonly kind: 'baseline' }
  | { readonly kind: 'increment'; readonly delta: number }
  | { readonly kind: 'rollover'; readonly delta: number }
  | { readonly kind: 'reset'; readonly delta: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'out-of-order' };

/** What the reading `next` means after `last` (undefined for the first reading of a counter). */
export function counterStep(
  last: CounterReading | undefined,
  next: CounterReading,
  settings: CounterSettings,
): CounterStep {
  if (last === undefined) return { kind: 'baseline' };
  if (next.timeUs < last.timeUs) return { kind: 'out-of-order' };
  if (next.raw === last.raw)
    return next.timeUs === last.timeUs ? { kind: 'duplicate' } : { kind: 'increment', delta: 0 };
  if (next.raw > last.raw) return { kind: 'increment', delta: next.raw - last.raw };
  // Two readings with one source time: the lower one cannot be later, so it is not a reset.
  if (next.timeUs === last.timeUs) return { kind: 'out-of-order' };
  const limit = settings.rollover;
  if (limit !== undefined && last.raw < limit) {
    const wrapped = limit - last.raw + next.raw;
    if (wrapped <= (settings.maxJump ?? limit / 2)) return { kind: 'rollover', delta: wrapped };
  }
  return { kind: 'reset', delta: next.raw };
}
