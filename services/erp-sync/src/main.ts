// The ERP-sync process: `node services/erp-sync/dist/main.js [--config erp-sync.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { consumerReadiness, databaseReadiness, runServiceProcess } from '@kiln/service-runtime';
import { openDatabase } from '@kiln/timeseries';
import { createErpAdapter } from './adapters/create';
import { mapRestOrders, mapRestShifts } from './adapters/rest';
import { loadErpSyncConfig } from './config';
import { ERP_SYNC_TOPICS, startErpSync } from './erp-sync-service';

const SERVICE = 'erp-sync';

runServiceProcess({
  service: SERVICE,
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadErpSyncConfig,
  topics: ERP_SYNC_TOPICS,
  start: async ({ lifecycle, config, logger, runtime }) => {
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
    return [
      databaseReadiness(db),
      consumerReadiness(
        () => erpSync.isReady(),
        'erp-sync',
        'not yet joined its consumer group or no ERP sync succeeded yet',
      ),
    ];
  },
});
