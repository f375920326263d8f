// The ERP-sync service: its definition (run by its process and by `kiln start`) and its configuration types.
export { erpSyncService } from './definition';
export {
  ERP_SYSTEMS,
  erpSyncConfigSchema,
  erpSyncEnvMap,
  erpSyncSectionEnvMap,
  erpSyncSectionSchema,
  loadErpSyncConfig,
  type ErpSyncConfig,
  type ErpSyncSection,
  type ErpSystemName,
} from './config';
export type { ErpSyncService } from './erp-sync-service';
