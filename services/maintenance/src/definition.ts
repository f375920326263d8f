// The maintenance service, declared once (docs/architecture.md section 12): its process (main.ts) and `kiln start`
// both run this definition.
import { join } from 'node:path';
import { consumerReadiness, defineService } from '@kiln/service-runtime';
import { databaseResource } from '@kiln/timeseries';
import {
  loadMaintenanceConfig,
  maintenanceSectionEnvMap,
  maintenanceSectionSchema,
  type MaintenanceConfig,
} from './config';
import {
  MAINTENANCE_CONSUMES,
  MAINTENANCE_PRODUCES,
  startMaintenance,
  type MaintenanceService,
} from './maintenance-service';

export const maintenanceService = defineService<MaintenanceConfig, MaintenanceService>({
  id: 'maintenance',
  packageDir: join(__dirname, '..'),
  config: {
    key: 'maintenance',
    schema: maintenanceSectionSchema,
    env: maintenanceSectionEnvMap,
    load: loadMaintenanceConfig,
  },
  consumes: MAINTENANCE_CONSUMES,
  produces: MAINTENANCE_PRODUCES,
  uses: [databaseResource],
  start: async ({ lifecycle, config, logger, bus, registry, resources }) => {
    const maintenance = await startMaintenance(lifecycle, config.maintenance, {
      bus,
      logger,
      registry,
      db: await resources.use(databaseResource),
      schema: config.database.schema,
    });
    return { readiness: [consumerReadiness(() => maintenance.isReady())], handle: maintenance };
  },
});
