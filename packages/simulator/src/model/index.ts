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
export * from './signals';
