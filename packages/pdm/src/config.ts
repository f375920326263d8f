// The settings of the predictive-maintenance monitor: plain typed data. The service validates its YAML (zod)
// and builds this; the defaults below are tuned with `npm run eval:pdm` on the simulated fleet.
import type { DegradationDirection } from './baseline';
import type { FoundationType, MachineGroup, ZoneBoundaries } from './iso10816';

export interface SignalRule {
  /** Signal name pattern, `*` matches any run of characters (`vibration*`, `*-temperature`). */
  readonly pattern: string;
  /** Direction of degradation; default 'up'. */
  readonly direction?: DegradationDirection;
  /** Absolute failure level in the signal's unit (overrides the ISO trip level and baseline + zFail sigmas). */
  readonly failureLevel?: number;
  /** false excludes matching signals even if their unit is monitored. */
  readonly monitored?: boolean;
}

export interface PdmConfig {
  readonly signals: {
    /** Every numeric signal with one of these units (UCUM) is monitored. */
    readonly units: readonly string[];
    /** Rules by name pattern, first match wins: extra signals to monitor, exclusions, directions, failure levels. */
    readonly rules: readonly SignalRule[];
  };
  /** The machine runs while the latest value of `signal` is > `above`; undefined: always running. */
  readonly operatingGate: { readonly signal: string; readonly above: number } | undefined;
  /** A gap between samples longer than this does not count as operating time (data outage), seconds. */
  readonly maxSampleGapS: number;
  readonly featureWindowS: number;
  /** A window with fewer operating samples of a signal gives no feature for it. */
  readonly minSamplesPerWindow: number;
  readonly baseline: {
    /** Operating hours learned from the start of monitoring. */
    readonly hours: number;
    /** Learn from this period of event time instead (a known healthy period), microseconds UTC, [start, end). */
    readonly healthyPeriod?: { readonly startUs: number; readonly endUs: number };
    readonly minWindows: number;
    readonly minScaleAbs: number;
    readonly minScaleRel: number;
  };
  readonly ewma: { readonly lambda: number; readonly limitSigma: number };
  readonly cusum: { readonly k: number; readonly h: number };
  /** Mahalanobis distance over the signals: the per-window false-alarm probability is 1 - probability. */
  readonly multivariate: { readonly enabled: boolean; readonly probability: number };
  readonly iso: {
    readonly group: MachineGroup;
    readonly foundation: FoundationType;
    readonly custom?: ZoneBoundaries;
    /** Units of velocity RMS signals that the zones apply to. */
    readonly velocityUnits: readonly string[];
    /** Failure (trip) level of velocity signals = C/D boundary x this. */
    readonly tripFactor: number;
  };
  readonly health: { readonly zOk: number; readonly zFail: number };
  readonly alerts: {
    readonly openBelow: number;
    readonly clearAbove: number;
    readonly minDurationS: number;
    /** Escalate to warning below this health, or when the RUL estimate is inside rulHorizonH. */
    readonly warningBelow: number;
    /** Escalate to critical below this health, or when the RUL lower bound is inside criticalRulH. */
    readonly criticalBelow: number;
    readonly rulHorizonH: number;
    readonly criticalRulH: number;
  };
  readonly rul: {
    readonly model: 'exponential' | 'linear';
    /** Windows of the last fitWindowH operating hours are fitted. */
    readonly fitWindowH: number;
    readonly halfLifeH: number;
    readonly minPoints: number;
    readonly tCritical: number;
    readonly intervalSigma: number;
    readonly maxRulH: number;
  };
}

export const DEFAULT_PDM_CONFIG: PdmConfig = {
  signals: { units: ['mm/s', 'Cel', 'A', 'm/s2'], rules: [] },
  operatingGate: { signal: 'speed', above: 0 },
  maxSampleGapS: 600,
  featureWindowS: 600,
  minSamplesPerWindow: 3,
  baseline: { hours: 8, minWindows: 12, minScaleAbs: 1e-6, minScaleRel: 0.02 },
  ewma: { lambda: 0.2, limitSigma: 3 },
  cusum: { k: 0.5, h: 5 },
  multivariate: { enabled: true, probability: 0.999 },
  iso: { group: 2, foundation: 'flexible', velocityUnits: ['mm/s'], tripFactor: 1.25 },
  health: { zOk: 3, zFail: 20 },
  alerts: {
    openBelow: 70,
    clearAbove: 85,
    minDurationS: 3_600,
    warningBelow: 50,
    criticalBelow: 25,
    rulHorizonH: 168,
    criticalRulH: 24,
  },
  rul: {
    model: 'exponential',
    fitWindowH: 48,
    halfLifeH: 24,
    minPoints: 12,
    tCritical: 3,
    intervalSigma: 2,
    maxRulH: 8_760,
  },
};

/** `*` glob match on a whole signal name. */
export function matchesPattern(name: string, pattern: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(name);
}

export interface SignalPolicy {
  readonly monitored: boolean;
  readonly direction: DegradationDirection;
  readonly failureLevel: number | undefined;
  readonly velocity: boolean;
}

export function signalPolicy(config: PdmConfig, signal: string, unit: string): SignalPolicy {
  const rule = config.signals.rules.find((candidate) => matchesPattern(signal, candidate.pattern));
  const isGate = config.operatingGate?.signal === signal;
  const byUnit = config.signals.units.includes(unit);
  const monitored = !isGate && (rule?.monitored ?? (rule !== undefined || byUnit));
  return {
    monitored,
    direction: rule?.direction ?? 'up',
    failureLevel: rule?.failureLevel,
    velocity: config.iso.velocityUnits.includes(unit),
  };
}
