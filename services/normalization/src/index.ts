// The normalization service as a library, for `kiln start` and for the API that lists unmapped tags.
export * from './config';
export { startNormalization, type Normalization, type NormalizationDependencies } from './normalization';
export { PlantFile, plantRecords, storePlant, type PlantReloadOutcome } from './plant';
export { mergeNearbyRanges, RollupRefresher, type TimeRange } from './rollup-refresh';
export { gatherOutputs, type BatchOutputs } from './outputs';
export { openHotState } from './adapters';
export { openDatabase } from '@kiln/timeseries';
