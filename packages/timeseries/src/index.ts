export * from './database';
export * from './sql';
export * from './records';
export * from './migrate';
export {
  analyticsSchemaName,
  ANALYST_ROLE,
  ANALYTICS_VIEWS,
  COUNT_ANALYTICS_VIEWS,
  ERP_OUTBOX_KINDS,
  ERP_OUTBOX_STATUSES,
  ERP_PROBLEM_KINDS,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  MAINTENANCE_ANALYTICS_VIEWS,
  migrations,
  ROLLUPS,
  type Migration,
  type MigrationContext,
  type RollupTable,
  type StorageBackend,
} from './migrations';
export * from './rollups';
export * from './writer';
export * from './queries';
export * from './hot-state';
export { NormalizerStateStore, type HandledPosition, type StoredPartitionState } from './normalizer-state';
export * from './maintenance-records';
export * from './maintenance-store';
export * from './erp-records';
export * from './erp-store';
export * from './scratch-schema';
export {
  databaseConfigSchema,
  openDatabase,
  openRedis,
  redisReconnectDelayMs,
  redisConfigSchema,
  storageEnvMap,
  type DatabaseConfig,
  type OpenedDatabase,
  type OpenDatabaseOptions,
  type OpenRedisOptions,
  type RedisConnection,
} from './open-database';
