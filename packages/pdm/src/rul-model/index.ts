export {
  CMAPSS_SENSOR_COUNT,
  CMAPSS_SETTING_COUNT,
  CmapssParseError,
  cappedRulTargets,
  groupByUnit,
  parseCmapss,
  type EngineCycle,
} from './cmapss';
export { mae, phm08Score, rmse } from './metrics';
export { unitFolds } from './split';
export {
  DEFAULT_FEATURE_WINDOWS,
  featureMatrix,
  featureNames,
  fitFeatureSpec,
  informativeSensors,
  windowSlope,
  type FeatureSpec,
  type FeatureWindowOptions,
} from './features';
export {
  DEFAULT_BOOSTING,
  type BoostedTrees,
  type BoostingOptions,
  type RegressionTree,
} from './boosted-trees';
export {
  DEFAULT_RUL_CAP,
  RulModelFormatError,
  deserializeRulModel,
  predictRul,
  predictRulCurve,
  resolveRulTrainingOptions,
  serializeRulModel,
  trainRulModel,
  type RulModel,
  type RulTrainingOptions,
  type RulTrainingOptionsInput,
} from './model';
export {
  DEFAULT_CROSS_VALIDATION,
  crossValidateRul,
  type CrossValidationOptions,
  type CrossValidationResult,
  type CrossValidationScores,
  type FoldSummary,
  type TruncatedPoint,
} from './cross-validation';
