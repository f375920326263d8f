// Assessment of one signal for one closed feature window once its baseline is known: zone, deviation,
// control charts, health and RUL. Pure: state in, new state and findings out.
import { oriented, orientedZ } from './baseline';
import type { PdmConfig, SignalPolicy } from './config';
import { cusumStep, ewmaStep } from './control-charts';
import { deviationHealth, zoneHealth } from './health';
import { tripLevelMmPerS, vibrationZone, zoneBoundaries } from './iso10816';
import type { SignalMonitorState } from './monitor-state';
import { estimateRul, type RulFit } from './rul';

export interface SignalAssessment {
  readonly signal: string;
  readonly unit: string;
  readonly level: number;
  readonly zone: '' | 'A' | 'B' | 'C' | 'D';
  /** Oriented z (positive = towards failure); 0 without a baseline. */
  readonly z: number;
  readonly ewma: number;
  readonly ewmaLimit: number;
  readonly cusumScore: number;
  /** max(EWMA / limit, CUSUM / h) in the degrading direction: 1 or more is out of control. */
  readonly anomalyScore: number;
  readonly healthIndex: number;
  readonly failureLevel: number;
  readonly rul: RulFit | undefined;
}

/** Updates `state` (charts, trend) and returns the findings for the window closed at `opHours`. */
export function assessSignal(
  signal: string,
  state: SignalMonitorState,
  level: number,
  opHours: number,
  policy: SignalPolicy,
  config: PdmConfig,
): SignalAssessment {
  const boundaries = policy.velocity ? zoneBoundaries(config.iso) : undefined;
  const zone = boundaries === undefined ? '' : vibrationZone(level, boundaries);
  const baseline = state.baseline;
  const y = oriented(level, policy.direction);
  let failureLevel: number;
  if (policy.failureLevel !== undefined) failureLevel = oriented(policy.failureLevel, policy.direction);
  else if (boundaries !== undefined && policy.direction === 'up')
    failureLevel = tripLevelMmPerS(boundaries, config.iso.tripFactor);
  else if (baseline !== null)
    failureLevel = oriented(baseline.median, policy.direction) + config.health.zFail * baseline.scale;
  else failureLevel = Number.POSITIVE_INFINITY;

  let z = 0;
  let ewma = 0;
  let ewmaLimit = 1;
  let cusumScore = 0;
  let health = boundaries === undefined ? 100 : zoneHealth(level, boundaries, failureLevel);
  let rul: RulFit | undefined;
  if (baseline !== null) {
    z = orientedZ(baseline, level, policy.direction);
    const ewmaResult = ewmaStep(state.ewma, z, config.ewma);
    const cusumResult = cusumStep(state.cusum, z, { ...config.cusum, sides: 'upper' });
    state.ewma = ewmaResult.state;
    state.cusum = cusumResult.state;
    ewma = ewmaResult.value;
    ewmaLimit = ewmaResult.limit;
    cusumScore = cusumResult.score;
    const okLevel = oriented(baseline.median, policy.direction) + config.health.zOk * baseline.scale;
    health = Math.min(health, deviationHealth(y, okLevel, failureLevel));

    state.trend.push({ opHours, value: y });
    const oldest = opHours - config.rul.fitWindowH;
    while ((state.trend[0]?.opHours ?? opHours) < oldest) state.trend.shift();
    // A trend inside the normal band is load or noise, not wear: only a deviating signal gets a RUL.
    const fit = Number.isFinite(failureLevel)
      ? estimateRul(state.trend, failureLevel, opHours, config.rul)
      : undefined;
    rul = fit !== undefined && fit.currentLevel > okLevel ? fit : undefined;
  }
  const anomalyScore = Math.max(0, ewma / ewmaLimit, cusumScore);
  return {
    signal,
    unit: state.unit,
    level,
    zone,
    z,
    ewma,
    ewmaLimit,
    cusumScore,
    anomalyScore,
    healthIndex: health,
    failureLevel,
    rul,
  };
}
