// The pure domain logic of normalization: the plant's asset model and mapping rules (from YAML), and the
// Normalizer that turns raw samples into telemetry, machine-state changes and production-count deltas.
export {
  ID_SEGMENT_PATTERN,
  SIGNAL_TYPES,
  findSignal,
  type Asset,
  type AssetDefaults,
  type AssetModel,
  type HierarchyLevel,
  type HierarchyNode,
  type Signal,
  type SignalType,
} from './model';
export { parseAssetModel, parseAssetModelSource } from './parse-model';
export { isIanaTimeZone } from './time-zone';
export {
  SIGNAL_ROLES,
  isCounterRole,
  parseMappingRules,
  parseMappingRulesSource,
  type CounterRole,
  type CounterSettings,
  type Deadband,
  type MappingRule,
  type MappingRuleSet,
  type SignalRole,
} from './mapping';
export { parsePlantConfig, type PlantConfig } from './plant-file';
export {
  MappingMatcher,
  type MappingMatcherOptions,
  type ResolvedMapping,
  type TagResolution,
  type UnmappedReason,
  type UnresolvedTag,
} from './matcher';
export {
  compilePattern,
  compileTemplate,
  slugify,
  type CompiledPattern,
  type CompiledTemplate,
  type Captures,
} from './pattern';
export {
  MACHINE_STATE_NAMES,
  isMachineStateName,
  machineStateOf,
  type MachineStateName,
  type StateTarget,
  type StopReason,
} from './machine-state';
export { checkUcumUnit, compileUnitConversion, type UnitCheck, type UnitConversion } from './ucum';
export { counterStep, type CounterReading, type CounterStep } from './counter';
export { eventTimeOf, type EventTime, type EventTimeBasis } from './event-time';
export { effectiveQuality, qualityFromOpcUaStatus } from './quality';
export { Normalizer, type NormalizerOptions } from './normalizer';
export type {
  CountDeltaRecord,
  CounterEvent,
  NormalizeResult,
  OrderChange,
  RejectedSample,
  StateChangeRecord,
  UnmappedTag,
} from './normalize-result';
export { mergeUnmapped } from './unmapped';
export {
  emptyStats,
  InvalidSnapshotError,
  unmappedTagSchema,
  type NormalizerSnapshot,
  type NormalizerStats,
} from './normalizer-snapshot';
