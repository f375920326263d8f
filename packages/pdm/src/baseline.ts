// Per asset and signal, what "normal" looks like: a robust location (median) and scale (MAD) of window features
// learned while the machine was healthy. Robust because a learning period is rarely clean: a few start-ups,
// sensor glitches or slow-downs must not move the baseline (the median and MAD have a 50% breakdown point).
import { median, scaledMad } from './statistics';

export type DegradationDirection = 'up' | 'down';

export interface SignalBaseline {
  readonly median: number;
  /** Robust standard deviation: max(1.4826 * MAD, floors); never 0. */
  readonly scale: number;
  /** Number of windows it was learned from. */
  readonly windows: number;
}

export interface BaselineScaleFloor {
  /** Absolute floor, signal unit. */
  readonly minScaleAbs: number;
  /**
   * Floor relative to |median|. Why: a quantised or very steady signal has a MAD of (almost) zero and every
   * later wobble would be an "infinite" deviation; 2% of the level is below what any maintenance decision
   * would act on.
   */
  readonly minScaleRel: number;
}

export const DEFAULT_BASELINE_SCALE_FLOOR: BaselineScaleFloor = { minScaleAbs: 1e-6, minScaleRel: 0.02 };

/** Learns a baseline from window features; undefined when no finite value is given. */
export function robustBaseline(
  values: readonly number[],
  floor: BaselineScaleFloor = DEFAULT_BASELINE_SCALE_FLOOR,
): SignalBaseline | undefined {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return undefined;
  const center = median(finite);
  const scale = Math.max(scaledMad(finite, center), floor.minScaleAbs, floor.minScaleRel * Math.abs(center));
  return { median: center, scale, windows: finite.length };
}

/**
 * Deviation from the baseline in robust standard deviations, signed so that positive always means "towards
 * failure" (for a signal degrading downwards, e.g. a flow or pressure that drops, the sign is flipped).
 */
export function orientedZ(baseline: SignalBaseline, value: number, direction: DegradationDirection): number {
  const z = (value - baseline.median) / baseline.scale;
  return direction === 'up' ? z : -z;
}

/** A value expressed in oriented units: larger is always worse. */
export function oriented(value: number, direction: DegradationDirection): number {
  return direction === 'up' ? value : -value;
}
