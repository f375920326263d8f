// The pure predictive-maintenance core: feature windows, robust baselines, control charts, multivariate
// distance, ISO 10816-3 severity zones, health index, remaining useful life and the alert detector, wired
// together by AssetMonitor. No I/O, no clock: every time is an argument (microseconds UTC).
export {
  DEFAULT_FEATURE_WINDOW_US,
  accumulate,
  bandEnergies,
  emptyAccumulator,
  featuresOf,
  scalarFeatures,
  waveformFeatures,
  windowStartUs,
  type FrequencyBand,
  type ScalarAccumulator,
  type ScalarFeatures,
  type WaveformFeatures,
} from './features';
export { chiSquareQuantile, median, normalQuantile, scaledMad } from './statistics';
export {
  DEFAULT_BASELINE_SCALE_FLOOR,
  oriented,
  orientedZ,
  robustBaseline,
  type BaselineScaleFloor,
  type DegradationDirection,
  type SignalBaseline,
} from './baseline';
export {
  cusumStep,
  ewmaStep,
  initialCusum,
  initialEwma,
  type CusumParams,
  type CusumResult,
  type CusumState,
  type EwmaParams,
  type EwmaResult,
  type EwmaState,
} from './control-charts';
export {
  fitMultivariateBaseline,
  ledoitWolfCovariance,
  mahalanobis,
  mahalanobisThreshold,
  type MahalanobisResult,
  type MultivariateBaseline,
} from './multivariate';
export {
  ISO_10816_3_BOUNDARIES,
  tripLevelMmPerS,
  vibrationZone,
  zoneBoundaries,
  type FoundationType,
  type MachineGroup,
  type SeverityClass,
  type VibrationZone,
  type ZoneBoundaries,
} from './iso10816';
export { assetHealth, deviationHealth, zoneHealth, type DeviationHealthParams } from './health';
export { estimateRul, weightedLineFit, type RulFit, type RulParams, type TrendPoint } from './rul';
export {
  IDLE as DETECTOR_IDLE,
  detectorClosed,
  detectorStep,
  type DetectorInput,
  type DetectorParams,
  type DetectorState,
  type DetectorStep,
} from './detector';
export {
  DEFAULT_PDM_CONFIG,
  matchesPattern,
  signalPolicy,
  type PdmConfig,
  type SignalPolicy,
  type SignalRule,
} from './config';
export {
  AssetMonitor,
  CONDITION_DEGRADATION,
  type AlertDecision,
  type AlertSeverityName,
  type AssetHealthUpdate,
  type AssetMonitorState,
  type MonitorOutput,
  type MonitorSample,
  type RulEstimate,
  type SignalHealthUpdate,
} from './monitor';
export { ASSET_MONITOR_STATE_VERSION, type SignalMonitorState } from './monitor-state';

// The offline remaining-useful-life model trained on run-to-failure data (NASA C-MAPSS; npm run eval:rul).
export {
  cappedRulTargets,
  CMAPSS_SENSOR_COUNT,
  CMAPSS_SETTING_COUNT,
  CmapssParseError,
  crossValidateRul,
  DEFAULT_BOOSTING,
  DEFAULT_CROSS_VALIDATION,
  DEFAULT_FEATURE_WINDOWS,
  DEFAULT_RUL_CAP,
  deserializeRulModel,
  featureMatrix,
  featureNames,
  fitFeatureSpec,
  groupByUnit,
  informativeSensors,
  mae,
  parseCmapss,
  phm08Score,
  predictRul,
  predictRulCurve,
  resolveRulTrainingOptions,
  rmse,
  RulModelFormatError,
  serializeRulModel,
  trainRulModel,
  unitFolds,
  windowSlope,
  type BoostedTrees,
  type BoostingOptions,
  type CrossValidationOptions,
  type CrossValidationResult,
  type CrossValidationScores,
  type EngineCycle,
  type FeatureSpec,
  type FeatureWindowOptions,
  type FoldSummary,
  type RegressionTree,
  type RulModel,
  type RulTrainingOptions,
  type RulTrainingOptionsInput,
  type TruncatedPoint,
} from './rul-model';
