// The gateway process: `node services/gateway/dist/main.js [--config gateway.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { openLiveOee } from '@kiln/oee-store';
import { databaseReadiness, runServiceProcess } from '@kiln/service-runtime';
import { openDatabase } from '@kiln/timeseries';
import { loadGatewayConfig } from './config';
import { startGateway } from './gateway';

const SERVICE = 'gateway';

runServiceProcess({
  service: SERVICE,
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadGatewayConfig,
  topics: [
    topics.machineState,
    topics.productionCount,
    topics.erpOrder,
    topics.erpShift,
    topics.maintenanceAlert,
    topics.dlq,
  ],
  start: async ({ lifecycle, config, logger, runtime, version }) => {
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    const live = openLiveOee(config.redis);
    lifecycle.add({ name: 'live oee', stop: () => live.live.close() });
    const readiness = [databaseReadiness(db), { name: 'live-oee', check: () => live.ping() }];
    await startGateway(lifecycle, config.gateway, {
      bus: runtime.bus,
      logger,
      registry: runtime.registry,
      db,
      schema: config.database.schema,
      live: live.live,
      oeeSection: config.oee,
      version,
      readiness,
    });
    return readiness;
  },
});
