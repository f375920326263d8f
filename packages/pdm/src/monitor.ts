// The orchestrator the maintenance service calls, one instance per asset: gates samples on operation, keeps the
// operating-hours clock, closes feature windows, learns the baseline, assesses each window and runs the alert
// detector. Pure: no I/O, no clock (time comes with the samples), state serializable through snapshot().
import { orientedZ, robustBaseline } from './baseline';
import { signalPolicy, type PdmConfig, type SignalPolicy } from './config';
import { conditionAlert } from './condition-alert';
import { detectorClosed, IDLE } from './detector';
import { accumulate, emptyAccumulator, featuresOf, windowStartUs } from './features';
import { assessSignal, type SignalAssessment } from './assessment';
import { assetHealth } from './health';
import {
  fitMultivariateBaseline,
  mahalanobis,
  mahalanobisThreshold,
  type MahalanobisResult,
} from './multivariate';
import {
  ASSET_MONITOR_STATE_VERSION,
  initialMonitorState,
  initialSignalState,
  type AssetMonitorState,
} from './monitor-state';
import {
  CONDITION_DEGRADATION,
  type AssetHealthUpdate,
  type MonitorOutput,
  type MonitorSample,
  type RulEstimate,
} from './monitor-types';
import { rms } from './statistics';

export { CONDITION_DEGRADATION } from './monitor-types';
export type {
  AlertDecision,
  AlertSeverityName,
  AssetHealthUpdate,
  AssetMonitorState,
  MonitorOutput,
  MonitorSample,
  RulEstimate,
  SignalHealthUpdate,
} from './monitor-types';

const US_PER_S = 1_000_000;
const US_PER_H = 3_600 * US_PER_S;

export class AssetMonitor {
  private state: AssetMonitorState;
  private readonly policies = new Map<string, { unit: string; policy: SignalPolicy }>();

  constructor(
    readonly assetId: string,
    private readonly config: PdmConfig,
    state?: AssetMonitorState,
  ) {
    if (state !== undefined && (state.version !== ASSET_MONITOR_STATE_VERSION || state.assetId !== assetId)) {
      throw new Error(
        `monitor state of asset ${state.assetId} version ${String(state.version)} cannot restore asset ${assetId} (expected version ${ASSET_MONITOR_STATE_VERSION})`,
      );
    }
    this.state = state === undefined ? initialMonitorState(assetId) : structuredClone(state);
  }

  ingest(samples: readonly MonitorSample[]): MonitorOutput {
    const output: MonitorOutput = { health: [], alerts: [] };
    for (const sample of samples) this.ingestOne(sample, output);
    return output;
  }

  alertClosed(cause: string, timeUs: number): void {
    void timeUs; // re-arming needs no time: the next trigger starts a new minimum-duration period
    if (this.state.detectors[cause] !== undefined) this.state.detectors[cause] = detectorClosed();
  }

  snapshot(): AssetMonitorState {
    return structuredClone(this.state);
  }

  private ingestOne(sample: MonitorSample, output: MonitorOutput): void {
    const s = this.state;
    const isGate = this.config.operatingGate?.signal === sample.signal;
    const policy = this.policy(sample.signal, sample.unit);
    if (!isGate && !policy.monitored) {
      this.advanceClock(sample.timeUs, output);
      return;
    }
    const last = isGate ? s.gateLastTimeUs : (s.signals[sample.signal]?.lastTimeUs ?? null);
    // At-least-once delivery: a replayed or late sample is at or before what this signal already processed.
    if (last !== null && sample.timeUs <= last) return;
    if (!sample.good) return;
    const level = typeof sample.value === 'number' ? sample.value : rms(sample.value);
    if (!Number.isFinite(level)) return;
    this.advanceClock(sample.timeUs, output);
    if (s.windowStartUs !== null && sample.timeUs < s.windowStartUs) return; // belongs to a closed window
    if (isGate) {
      s.gateValue = level;
      s.gateLastTimeUs = sample.timeUs;
      return;
    }
    const signalState = (s.signals[sample.signal] ??= initialSignalState(sample.unit));
    signalState.lastTimeUs = sample.timeUs;
    if (this.running()) accumulate(signalState.window, sample.timeUs, level);
  }

  /** Closes the feature window when time passes its end, then advances the operating-hours clock. */
  private advanceClock(timeUs: number, output: MonitorOutput): void {
    const s = this.state;
    const windowUs = this.config.featureWindowS * US_PER_S;
    if (s.windowStartUs === null) s.windowStartUs = windowStartUs(timeUs, windowUs);
    if (timeUs >= s.windowStartUs + windowUs) {
      this.closeWindow(s.windowStartUs + windowUs, output);
      s.windowStartUs = windowStartUs(timeUs, windowUs);
    }
    if (s.clockTimeUs === null || timeUs > s.clockTimeUs) {
      if (s.clockTimeUs !== null && this.running()) {
        s.opHours += Math.min(timeUs - s.clockTimeUs, this.config.maxSampleGapS * US_PER_S) / US_PER_H;
      }
      s.clockTimeUs = timeUs;
    }
  }

  private running(): boolean {
    const gate = this.config.operatingGate;
    return gate === undefined || this.state.gateValue === null || this.state.gateValue > gate.above;
  }

  private policy(signal: string, unit: string): SignalPolicy {
    const cached = this.policies.get(signal);
    if (cached !== undefined && cached.unit === unit) return cached.policy;
    const policy = signalPolicy(this.config, signal, unit);
    this.policies.set(signal, { unit, policy });
    return policy;
  }

  private closeWindow(endUs: number, output: MonitorOutput): void {
    const s = this.state;
    const levels: Record<string, number> = {};
    for (const [signal, signalState] of Object.entries(s.signals)) {
      if (signalState.window.count >= this.config.minSamplesPerWindow)
        levels[signal] = featuresOf(signalState.window).mean;
      signalState.window = emptyAccumulator();
    }
    if (Object.keys(levels).length === 0) return; // the machine did not run: nothing to judge
    if (!s.baselineReady) {
      this.learn(endUs, levels);
      if (!s.baselineReady) {
        output.health.push(this.learningUpdate(endUs, levels));
        return;
      }
    }
    this.assess(endUs, levels, output);
  }

  private learn(endUs: number, levels: Record<string, number>): void {
    const s = this.state;
    const period = this.config.baseline.healthyPeriod;
    const inPeriod = period === undefined || (endUs > period.startUs && endUs <= period.endUs);
    if (inPeriod) {
      for (const [signal, level] of Object.entries(levels)) s.signals[signal]?.learning.push(level);
      s.learningVectors.push(levels);
    }
    const done = period === undefined ? s.opHours >= this.config.baseline.hours : endUs >= period.endUs;
    const { minWindows } = this.config.baseline;
    const enough = Object.values(s.signals).some((signal) => signal.learning.length >= minWindows);
    if (done && enough) this.fitBaseline();
  }

  private fitBaseline(): void {
    const s = this.state;
    const { minWindows, minScaleAbs, minScaleRel } = this.config.baseline;
    const features: string[] = [];
    for (const [signal, signalState] of Object.entries(s.signals)) {
      if (signalState.learning.length >= minWindows) {
        signalState.baseline = robustBaseline(signalState.learning, { minScaleAbs, minScaleRel }) ?? null;
        if (signalState.baseline !== null) features.push(signal);
      }
      signalState.learning = [];
    }
    features.sort();
    const rows = s.learningVectors
      .filter((vector) => features.every((f) => vector[f] !== undefined))
      .map((vector) => this.standardized(features, vector));
    if (
      this.config.multivariate.enabled &&
      features.length >= 2 &&
      rows.length >= Math.max(minWindows, features.length + 2)
    ) {
      s.multivariate = fitMultivariateBaseline(features, rows);
    }
    s.learningVectors = [];
    s.baselineReady = true;
  }

  private standardized(features: readonly string[], levels: Record<string, number>): number[] {
    return features.map((feature) => {
      const signal = this.state.signals[feature];
      const baseline = signal?.baseline;
      if (signal === undefined || baseline === null || baseline === undefined) return 0;
      return orientedZ(
        baseline,
        levels[feature] ?? baseline.median,
        this.policy(feature, signal.unit).direction,
      );
    });
  }

  private learningUpdate(endUs: number, levels: Record<string, number>): AssetHealthUpdate {
    const signals = Object.entries(levels).map(([signal, value]) => ({
      signal,
      healthIndex: 100,
      anomalyScore: 0,
      zone: '' as const,
      value,
      unit: this.state.signals[signal]?.unit ?? '',
    }));
    return {
      assetId: this.assetId,
      timeUs: endUs,
      healthIndex: 100,
      rul: undefined,
      baselineReady: false,
      anomalyScore: 0,
      signals,
      operatingHours: this.state.opHours,
    };
  }

  private assess(endUs: number, levels: Record<string, number>, output: MonitorOutput): void {
    const s = this.state;
    const assessments: SignalAssessment[] = [];
    for (const [signal, level] of Object.entries(levels)) {
      const signalState = s.signals[signal];
      if (signalState === undefined) continue;
      assessments.push(
        assessSignal(
          signal,
          signalState,
          level,
          s.opHours,
          this.policy(signal, signalState.unit),
          this.config,
        ),
      );
    }
    let multivariate: (MahalanobisResult & { ratio: number }) | undefined;
    const mv = s.multivariate;
    if (mv !== null && mv.features.every((f) => levels[f] !== undefined)) {
      const result = mahalanobis(mv, this.standardized(mv.features, levels));
      const threshold = mahalanobisThreshold(mv.features.length, this.config.multivariate.probability);
      multivariate = { ...result, ratio: result.distanceSquared / threshold };
    }
    const healthIndex = assetHealth(assessments.map((a) => a.healthIndex));
    const anomalyScore = Math.max(0, multivariate?.ratio ?? 0, ...assessments.map((a) => a.anomalyScore));
    const withRul = assessments.filter((a) => a.rul !== undefined);
    const soonest = withRul.reduce<SignalAssessment | undefined>(
      (best, a) =>
        best === undefined || (a.rul?.estimateH ?? Infinity) < (best.rul?.estimateH ?? Infinity) ? a : best,
      undefined,
    );
    const rul: RulEstimate | undefined =
      soonest?.rul === undefined
        ? undefined
        : { estimateH: soonest.rul.estimateH, lowerH: soonest.rul.lowerH, upperH: soonest.rul.upperH };
    output.health.push({
      assetId: this.assetId,
      timeUs: endUs,
      healthIndex,
      rul,
      baselineReady: true,
      anomalyScore,
      signals: assessments.map((a) => ({
        signal: a.signal,
        healthIndex: a.healthIndex,
        anomalyScore: a.anomalyScore,
        zone: a.zone,
        value: a.level,
        unit: a.unit,
      })),
      operatingHours: s.opHours,
    });
    const alert = conditionAlert({
      assetId: this.assetId,
      timeUs: endUs,
      operatingHours: s.opHours,
      healthIndex,
      rul,
      assessments,
      multivariate,
      detector: s.detectors[CONDITION_DEGRADATION] ?? IDLE,
      alerts: this.config.alerts,
    });
    s.detectors[CONDITION_DEGRADATION] = alert.detector;
    if (alert.decision !== undefined) output.alerts.push(alert.decision);
  }
}
