// The maintenance service process: `node services/maintenance/dist/main.js [--config maintenance.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { consumerReadiness, databaseReadiness, runServiceProcess } from '@kiln/service-runtime';
import { openDatabase } from '@kiln/timeseries';
import { loadMaintenanceConfig } from './config';
import { MAINTENANCE_SERVICE_TOPICS, startMaintenance } from './maintenance-service';

const SERVICE = 'maintenance';

runServiceProcess({
  service: SERVICE,
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadMaintenanceConfig,
  topics: MAINTENANCE_SERVICE_TOPICS,
  start: async ({ lifecycle, config, logger, runtime }) => {
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    const maintenance = await startMaintenance(lifecycle, config.maintenance, {
      ...runtime,
      logger,
      db,
      schema: config.database.schema,
    });
    return [databaseReadiness(db), consumerReadiness(() => maintenance.isReady())];
  },
});
