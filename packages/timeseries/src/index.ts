// Storage of Kiln (docs/architecture.md section 7): the database behind one small query interface (PostgreSQL or
// embedded PGlite), migrations, the historian writer, queries, the hot state in Redis, and the stores the
// services share. Test support (a migrated scratch schema) is '@kiln/timeseries/testing'.
export {
  hasTimescale,
  PgDatabase,
  PgliteDatabase,
  type Database,
  type PgConnectionStats,
  type PgDatabaseOptions,
  type PgliteDatabaseOptions,
  type Queryable,
  type QueryResult,
} from './database';
export { PgliteThreadDatabase, type PgliteThreadOptions } from './pglite-thread';
export {
  ceilUs,
  checkedSchema,
  checkLimit,
  checkOneOf,
  DEFAULT_SCHEMA,
  epochUsOf,
  floorUs,
  InvalidArgumentError,
  parseBucket,
  positionalParameters,
  timestampParam,
  type BucketWidth,
} from './sql';
export {
  canonicalState,
  machineStateRows,
  productionCountRows,
  telemetryRows,
  type AssetLevel,
  type AssetRecord,
  type CanonicalState,
  type MachineStateMapping,
  type MachineStateRow,
  type NamedTelemetryRow,
  type ProductionCountRow,
  type SignalDataType,
  type SignalDefinition,
  type StopReasonRow,
  type TelemetryMapping,
  type TelemetryRow,
} from './records';
export {
  migrate,
  migrationChecksum,
  MigrationError,
  storageBackend,
  type MigrateOptions,
  type MigrateResult,
  type TimescalePolicies,
} from './migrate';
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
export {
  alignedWindows,
  BUCKET_ORIGIN,
  refreshRollupRanges,
  refreshRollups,
  type RefreshedWindow,
  type RefreshRollupRangesOptions,
  type RefreshRollupsOptions,
  type RollupRange,
} from './rollups';
export { TELEMETRY_COPY_COLUMNS, TelemetryCopyEncoder } from './binary-copy';
export {
  HistorianWriter,
  signalKey,
  type HistorianWriterOptions,
  type MachineStateWriteResult,
  type TelemetryWriteResult,
  type WriteResult,
} from './writer';
export {
  ALL_AGGREGATES,
  HistorianQueries,
  type Aggregate,
  type BucketRow,
  type LastValue,
  type RangeQuery,
  type SignalRef,
  type StateInterval,
} from './queries';
export {
  MemoryHotState,
  RedisHotState,
  type AssetStateEntry,
  type HotState,
  type LastValueEntry,
  type RedisHotStateOptions,
} from './hot-state';
export { NormalizerStateStore, type HandledPosition, type StoredPartitionState } from './normalizer-state';
export {
  AlertNotFoundError,
  alertSeverityEnum,
  alertSeverityName,
  alertStatusEnum,
  alertStatusName,
  alertToEvent,
  AlertTransitionError,
  healthFromEvent,
  healthToEvent,
  type AlertListFilter,
  type AlertPatch,
  type AlertSeverityName,
  type AlertStatusName,
  type AssetHealthRow,
  type NewAlert,
  type RulInterval,
  type SignalHealthRow,
  type StoredAlert,
} from './maintenance-records';
export { AuditStore, type AuditEntry, type AuditListFilter, type NewAuditEntry } from './audit-store';
export { MaintenanceStore } from './maintenance-store';
export {
  type CountRange,
  type ErpLink,
  type ErpOrderListFilter,
  type ErpOrderRecord,
  type ErpOutboxKind,
  type ErpOutboxListFilter,
  type ErpOutboxStatus,
  type ErpProblem,
  type ErpProblemKind,
  type NewOutboxEntry,
  type OrderCountTotals,
  type OrderProgress,
  type OutboxEntry,
  type StoredErpOrder,
  type StoredErpProblem,
} from './erp-records';
export { ErpStore } from './erp-store';
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
  type RedisConfig,
  type RedisConnection,
} from './open-database';
export { databaseResource, hotStateResource, openHotState, type OpenedHotState } from './resources';
