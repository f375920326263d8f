// Health index, 0 (at the failure threshold) to 100 (as good as the baseline), per signal and per asset.
// Two views are combined per signal, and the worse one wins, because each catches what the other misses:
// - the absolute severity zone (velocity signals, ISO 10816-3): a machine that was already rough when its
//   baseline was learned is still judged against the standard;
// - the deviation from the asset's own baseline (every monitored signal): a machine that is doubling its
//   vibration inside zone A, or running 10 K hotter than it used to, is degrading even if no standard says so.
import type { ZoneBoundaries } from './iso10816';

export interface DeviationHealthParams {
  /** Deviations up to this many robust sigmas are noise: health 100. */
  readonly zOk: number;
  /** Failure threshold of signals without an absolute one, in robust sigmas above the baseline. */
  readonly zFail: number;
}

/**
 * Health from the oriented level `y` (larger is worse) between `okLevel` (health 100) and `failLevel`
 * (health 0), linear in between: the fraction of the way to failure still left.
 */
export function deviationHealth(y: number, okLevel: number, failLevel: number): number {
  if (!(failLevel > okLevel)) return y >= failLevel ? 0 : 100;
  return clampHealth((100 * (failLevel - y)) / (failLevel - okLevel));
}

/**
 * Health from the zone position of a velocity RMS: piecewise linear through anchors chosen so that the alert
 * thresholds coincide with the standard's meaning: 85 at the A/B boundary (back in zone A clears an alert), 70 at
 * B/C (entering zone C, "unsatisfactory for long-term operation", opens one), 40 at C/D (zone D is damage
 * territory: critical), 0 at the trip level.
 */
export function zoneHealth(velocityMmPerS: number, boundaries: ZoneBoundaries, tripMmPerS: number): number {
  const anchors: readonly (readonly [number, number])[] = [
    [0, 100],
    [boundaries.abMmPerS, 85],
    [boundaries.bcMmPerS, 70],
    [boundaries.cdMmPerS, 40],
    [Math.max(tripMmPerS, boundaries.cdMmPerS * 1.0001), 0],
  ];
  if (velocityMmPerS <= 0) return 100;
  for (let i = 1; i < anchors.length; i += 1) {
    const [x1, h1] = anchors[i] ?? [0, 0];
    const [x0, h0] = anchors[i - 1] ?? [0, 0];
    if (velocityMmPerS <= x1) return clampHealth(h0 + ((h1 - h0) * (velocityMmPerS - x0)) / (x1 - x0));
  }
  return 0;
}

export function clampHealth(value: number): number {
  if (Number.isNaN(value)) return 100;
  return Math.min(100, Math.max(0, value));
}

/** Asset health: the worst signal. A documented, conservative choice: one failing component is a failing asset. */
export function assetHealth(signalHealth: readonly number[]): number {
  return signalHealth.length === 0 ? 100 : Math.min(...signalHealth);
}
