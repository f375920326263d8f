import { coreTables } from './001-core-tables';
import { timePartitioning } from './002-time-partitioning';
import { rollups } from './003-rollups';
import { oeeTables } from './004-oee';
import { analyticsViews } from './005-analytics-views';
import { apiKeys } from './006-api-keys';
import { maintenanceTables } from './007-maintenance';
import { erpSyncTables } from './008-erp-sync';
import { erpPartialConfirmations } from './009-erp-partial-confirmations';
import { oeeGoodIdealTime } from './010-oee-good-ideal-time';
import { countIntervals } from './011-count-intervals';
import { rollupSums } from './012-rollup-sums';
import { erpOutboxAsset } from './013-erp-outbox-asset';
import { auditLog } from './014-audit-log';
import type { Migration } from './types';

/** Every migration, in version order. Never edit an applied one: add a new version. */
export const migrations: readonly Migration[] = [
  coreTables,
  timePartitioning,
  rollups,
  oeeTables,
  analyticsViews,
  apiKeys,
  maintenanceTables,
  erpSyncTables,
  erpPartialConfirmations,
  oeeGoodIdealTime,
  countIntervals,
  rollupSums,
  erpOutboxAsset,
  auditLog,
];

export { ROLLUPS, type RollupTable } from './003-rollups';
export { ROLLUP_BRIN_INDEXES } from './012-rollup-sums';
export {
  ANALYST_ROLE,
  ANALYTICS_VIEWS,
  analyticsSchemaName,
  analystRoleStatement,
} from './005-analytics-views';
export { COUNT_ANALYTICS_VIEWS } from './011-count-intervals';
export { ALERT_SEVERITIES, ALERT_STATUSES, MAINTENANCE_ANALYTICS_VIEWS } from './007-maintenance';
export { ERP_OUTBOX_KINDS, ERP_OUTBOX_STATUSES, ERP_PROBLEM_KINDS } from './008-erp-sync';
export type { Migration, MigrationContext, StorageBackend } from './types';
