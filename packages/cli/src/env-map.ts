// The environment variables `kiln start` reads, apart from the configuration schema so that `kiln env` and the
// docs test need not load the services.
import { busEnvMap } from '@kiln/bus';
import { serviceEnvMap } from '@kiln/service-kit';

/** Environment variables (all with the `KILN_` prefix) and the configuration key each sets. */
export const platformEnvMap = {
  // KILN_HTTP_HOST / KILN_HTTP_PORT (http.*): the gateway's REST listener, which also serves the ops endpoints.
  ...serviceEnvMap,
  ...busEnvMap,
  DATA_DIR: 'dataDir',
  TOPIC_PARTITIONS: 'topics.partitions',
  SIMULATOR: 'simulator.enabled',
  SIMULATOR_SPEED_FACTOR: 'simulator.speedFactor',
  SIMULATOR_OPCUA_PORT: 'simulator.opcua.port',
  SIMULATOR_ERP: 'simulator.erp.enabled',
  INGESTION_BUFFER_DIRECTORY: 'ingestion.buffer.directory',
  DATABASE_URL: 'database.url',
  DATABASE_SCHEMA: 'database.schema',
  DATABASE_EMBEDDED_DIR: 'database.embedded.dataDir',
  REDIS_URL: 'redis.url',
  PLANT_FILE: 'normalization.plantFile',
  OEE_CALENDAR_FILE: 'oee.calendarFile',
  OEE_TIME_ZONE: 'oee.timeZone',
  OEE_UTC_OFFSET_MINUTES: 'oee.utcOffsetMinutes',
  MAINTENANCE_GROUP_ID: 'maintenance.groupId',
  MAINTENANCE_START_FROM: 'maintenance.startFrom',
  // A real ERP instead of the simulator's (erp-sync, as in its own process: services/erp-sync, erpSyncEnvMap).
  ERP_SYSTEM: 'erpSync.system',
  ERP_SAP_BASE_URL: 'erpSync.sap.baseUrl',
  ERP_ODOO_BASE_URL: 'erpSync.odoo.baseUrl',
  ERP_SYNC_INTERVAL_MS: 'erpSync.inbound.intervalMs',
  // The gateway's, as in its own process (services/gateway, gatewayEnvMap).
  GRPC_HOST: 'gateway.grpc.host',
  GRPC_PORT: 'gateway.grpc.port',
  ADMIN_API_KEY: 'gateway.auth.adminApiKey',
  JWT_ISSUER: 'gateway.auth.jwt.issuer',
  JWT_JWKS_URL: 'gateway.auth.jwt.jwksUrl',
  JWT_AUDIENCE: 'gateway.auth.jwt.audience',
  RATE_LIMIT_MAX: 'gateway.rateLimit.max',
} as const satisfies Record<string, string>;
