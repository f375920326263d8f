// The ERP-sync service as a library, for `kiln start` and the tests.
export * from './adapters/types';
export * from './config';
export { createErpAdapter } from './adapters/create';
export { SapAdapter, sapAdapterOptionsSchema } from './adapters/sap';
export { OdooAdapter, odooAdapterOptionsSchema } from './adapters/odoo';
export { RestAdapter, restAdapterOptionsSchema, mapRestOrders, mapRestShifts } from './adapters/rest';
export { CsvAdapter, csvAdapterOptionsSchema } from './adapters/csv';
export {
  ERP_SYNC_TOPICS,
  startErpSync,
  type ErpSyncDependencies,
  type ErpSyncService,
} from './erp-sync-service';
export { InboundSync, type SyncReport } from './inbound/sync';
export { WorkCenterMap } from './work-centers';
export { outboundSectionSchema, type OutboundSection } from './outbound';
