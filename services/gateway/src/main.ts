// The gateway process: `node services/gateway/dist/main.js [--config gateway.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { openLiveOee } from '@kiln/oee-service';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { openDatabase } from '@kiln/timeseries';
import { loadGatewayConfig } from './config';
import { startGateway } from './gateway';

const SERVICE = 'gateway';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadGatewayConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: [
        topics.machineState,
        topics.productionCount,
        topics.erpOrder,
        topics.erpShift,
        topics.maintenanceAlert,
        topics.dlq,
      ],
    });
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    const live = openLiveOee(config.redis);
    lifecycle.add({ name: 'live oee', stop: () => live.live.close() });
    await startGateway(lifecycle, config.gateway, {
      bus: runtime.bus,
      logger,
      registry: runtime.registry,
      db,
      schema: config.database.schema,
      live: live.live,
      oeeSection: config.oee,
      version,
      readiness: [
        { name: 'database', check: async () => void (await db.query('SELECT 1')) },
        { name: 'live-oee', check: () => live.ping() },
      ],
    });
    await runtime.serve([
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      { name: 'live-oee', check: () => live.ping() },
    ]);
  },
});
