export {
  Plant,
  type PlantOptions,
  type PlantStats,
  type ChangeListener,
  type AdvanceListener,
} from './plant';
export {
  Machine,
  type MachineIdentity,
  type MachineOrder,
  type MachineStats,
  type SignalChange,
} from './machine';
export {
  DEFAULT_PLANT_CONFIG,
  plannedStopEnd,
  parsePlannedStops,
  timeOfDayMs,
  type PlannedStopWindow,
  type PlannedStopSpan,
  type PlantModelConfig,
} from './plant-config';
export { Prng, mixSeed } from './prng';
export {
  FAULT_CODE,
  MACHINE_STATE,
  MACHINE_STATE_NAMES,
  RANDOM_FAULT_CODES,
  SIGNAL_NAMES,
  SIGNALS,
  stateName,
  type MachineStateCode,
  type MachineStateName,
  type SignalDataType,
  type SignalDefinition,
  type SignalName,
  type SignalValue,
} from './signals';
