// The serializable state of an AssetMonitor: plain JSON (no NaN, no Infinity, no Map), so that
// JSON.parse(JSON.stringify(state)) restores identical behaviour after a restart.
import type { SignalBaseline } from './baseline';
import { initialCusum, initialEwma, type CusumState, type EwmaState } from './control-charts';
import type { DetectorState } from './detector';
import { emptyAccumulator, type ScalarAccumulator } from './features';
import type { MultivariateBaseline } from './multivariate';

export const ASSET_MONITOR_STATE_VERSION = 1;

export interface SignalMonitorState {
  unit: string;
  /** Event time of the last processed sample; null before the first. */
  lastTimeUs: number | null;
  /** Accumulator of the open feature window (operating samples only). */
  window: ScalarAccumulator;
  /** Window levels seen while learning (cleared when the baseline is fitted). */
  learning: number[];
  baseline: SignalBaseline | null;
  ewma: EwmaState;
  cusum: CusumState;
  /** Recent window levels (oriented, larger is worse) against operating hours, for the RUL trend. */
  trend: { opHours: number; value: number }[];
}

export interface AssetMonitorStateV1 {
  version: typeof ASSET_MONITOR_STATE_VERSION;
  assetId: string;
  /** Operating-hours clock. */
  opHours: number;
  /** Event time up to which the clock has advanced; null before the first sample. */
  clockTimeUs: number | null;
  /** Latest gate value; null when the asset has no gate signal (so far): then everything counts. */
  gateValue: number | null;
  gateLastTimeUs: number | null;
  /** Start of the open feature window; null before the first sample. */
  windowStartUs: number | null;
  baselineReady: boolean;
  /** Per learned window, the level of each signal present (for the multivariate baseline). */
  learningVectors: Record<string, number>[];
  multivariate: MultivariateBaseline | null;
  signals: Record<string, SignalMonitorState>;
  detectors: Record<string, DetectorState>;
}

export type AssetMonitorState = AssetMonitorStateV1;

export function initialMonitorState(assetId: string): AssetMonitorState {
  return {
    version: ASSET_MONITOR_STATE_VERSION,
    assetId,
    opHours: 0,
    clockTimeUs: null,
    gateValue: null,
    gateLastTimeUs: null,
    windowStartUs: null,
    baselineReady: false,
    learningVectors: [],
    multivariate: null,
    signals: {},
    detectors: {},
  };
}

export function initialSignalState(unit: string): SignalMonitorState {
  return {
    unit,
    lastTimeUs: null,
    window: emptyAccumulator(),
    learning: [],
    baseline: null,
    ewma: initialEwma(),
    cusum: initialCusum(),
    trend: [],
  };
}
