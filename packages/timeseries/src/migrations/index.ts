import { coreTables } from './001-core-tables';
import { timePartitioning } from './002-time-partitioning';
import { rollups } from './003-rollups';
import { oeeTables } from './004-oee';
import type { Migration } from './types';

/** Every migration, in version order. Never edit an applied one: add a new version. */
export const migrations: readonly Migration[] = [coreTables, timePartitioning, rollups, oeeTables];

export { ROLLUPS, type RollupTable } from './003-rollups';
export type { Migration, MigrationContext, StorageBackend } from './types';
