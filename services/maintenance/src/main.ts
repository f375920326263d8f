// The maintenance service process: `node services/maintenance/dist/main.js [--config maintenance.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { openDatabase } from '@kiln/timeseries';
import { loadMaintenanceConfig } from './config';
import { MAINTENANCE_SERVICE_TOPICS, startMaintenance } from './maintenance-service';

const SERVICE = 'maintenance';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadMaintenanceConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: MAINTENANCE_SERVICE_TOPICS,
    });
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    const maintenance = await startMaintenance(lifecycle, config.maintenance, {
      ...runtime,
      logger,
      db,
      schema: config.database.schema,
    });
    await runtime.serve([
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      {
        name: 'consumer',
        check: async () => {
          if (!maintenance.isReady()) throw new Error('not yet a member of its consumer group');
        },
      },
    ]);
  },
});
