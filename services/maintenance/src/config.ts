// Configuration of the maintenance service: the service kit's sections, the bus, the database and the maintenance
// section (consumer, persistence, the predictive-maintenance model). Precedence: defaults < YAML (KILN_CONFIG /
// --config) < KILN_* env.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { databaseConfigSchema, storageEnvMap } from '@kiln/timeseries';
import { z } from 'zod';
import { pdmModelSchema } from './model-config';

export const maintenanceSectionSchema = z.strictObject({
  groupId: z.string().min(1).default('maintenance'),
  /** Where a new consumer group starts: the earliest telemetry kept (learns baselines from history) or new only. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  maxBatchSize: z.number().int().positive().default(500),
  /** How often the statuses of open alerts are read back, to notice the ones people resolved. */
  alertCheckIntervalMs: z.number().int().positive().default(15_000),
  /** Publish every health update on kiln.maintenance.health.v1 (the database keeps them either way). */
  publishHealth: z.boolean().default(true),
  /** The model: monitored signals, operating gate, windows, baselines, detectors, ISO 10816 class, alerting. */
  model: pdmModelSchema.prefault({}),
});

export const maintenanceConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  database: databaseConfigSchema.prefault({}),
  maintenance: maintenanceSectionSchema.prefault({}),
});

export type MaintenanceConfig = z.output<typeof maintenanceConfigSchema>;
export type MaintenanceSection = z.output<typeof maintenanceSectionSchema>;

export const maintenanceSectionEnvMap = {
  MAINTENANCE_GROUP_ID: 'maintenance.groupId',
  MAINTENANCE_START_FROM: 'maintenance.startFrom',
} as const satisfies Record<string, string>;

export const maintenanceEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  // The database keys only: this service keeps no hot state in Redis.
  DATABASE_URL: storageEnvMap.DATABASE_URL,
  DATABASE_SCHEMA: storageEnvMap.DATABASE_SCHEMA,
  ...maintenanceSectionEnvMap,
} as const satisfies Record<string, string>;

export function loadMaintenanceConfig(file: string | undefined, env: NodeJS.ProcessEnv): MaintenanceConfig {
  return loadConfig({
    schema: maintenanceConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: maintenanceEnvMap,
    envPrefix: 'KILN_',
  });
}
