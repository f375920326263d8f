// The monitor's public data shapes: what the maintenance service sends in and gets back.
import type { AlertSeverityName } from './detector';

export type { AlertSeverityName } from './detector';
export type { AssetMonitorState } from './monitor-state';

export interface MonitorSample {
  signal: string;
  timeUs: number;
  /** A scalar, or a waveform (its RMS is the window level; pass sampleRateHz for spectral features). */
  value: number | readonly number[];
  good: boolean;
  unit: string;
  sampleRateHz?: number;
}
export interface RulEstimate {
  estimateH: number;
  lowerH: number;
  upperH: number;
}
export interface SignalHealthUpdate {
  signal: string;
  healthIndex: number;
  anomalyScore: number;
  zone: '' | 'A' | 'B' | 'C' | 'D';
  value: number;
  unit: string;
}
export interface AssetHealthUpdate {
  assetId: string;
  timeUs: number;
  healthIndex: number;
  rul: RulEstimate | undefined;
  baselineReady: boolean;
  anomalyScore: number;
  signals: SignalHealthUpdate[];
  /** Operating hours of the asset at the end of the window. */
  operatingHours?: number;
}
export interface AlertDecision {
  action: 'open' | 'update';
  cause: string;
  signal: string;
  severity: AlertSeverityName;
  message: string;
  timeUs: number;
  healthIndex: number;
  rul: RulEstimate | undefined;
  details: Record<string, string>;
}
export interface MonitorOutput {
  health: AssetHealthUpdate[];
  alerts: AlertDecision[];
}

/** The one cause for wear-type degradation: a bearing raising vibration, temperature and current is ONE alert. */
export const CONDITION_DEGRADATION = 'condition-degradation';
