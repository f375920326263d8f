// The ERP-sync process: `node services/erp-sync/dist/main.js [--config erp-sync.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { openDatabase } from '@kiln/timeseries';
import { createErpAdapter } from './adapters/create';
import { mapRestOrders, mapRestShifts } from './adapters/rest';
import { loadErpSyncConfig } from './config';
import { ERP_SYNC_TOPICS, startErpSync } from './erp-sync-service';

const SERVICE = 'erp-sync';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadErpSyncConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: ERP_SYNC_TOPICS,
    });
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    // Pushes use the generic REST mapping (erpSync.rest.orders / .shifts), or its defaults.
    const rest = config.erpSync.rest;
    const erpSync = await startErpSync(lifecycle, config.erpSync, {
      ...runtime,
      logger,
      db,
      schema: config.database.schema,
      adapter: createErpAdapter(config.erpSync),
      mapPushed: {
        mapOrders: (body) => ({ ...mapRestOrders(body, rest?.orders), cursor: undefined }),
        mapShifts: (body) => ({ ...mapRestShifts(body, rest?.shifts), cursor: undefined }),
      },
    });
    await runtime.serve([
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      {
        name: 'erp-sync',
        check: async () => {
          if (!erpSync.isReady())
            throw new Error('not yet joined its consumer group or no ERP sync succeeded yet');
        },
      },
    ]);
  },
});
