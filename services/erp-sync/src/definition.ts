// The ERP-sync service, declared once (docs/architecture.md section 12): its process (main.ts) and `kiln start`
// both run this definition. `kiln start` runs it only when an ERP is configured (or the simulator's ERP is there).
import { join } from 'node:path';
import { consumerReadiness, defineService } from '@kiln/service-runtime';
import { databaseResource } from '@kiln/timeseries';
import { erpSyncSectionEnvMap, erpSyncSectionSchema, loadErpSyncConfig, type ErpSyncConfig } from './config';
import { createErpAdapter } from './adapters/create';
import { mapRestOrders, mapRestShifts } from './adapters/rest';
import { ERP_SYNC_CONSUMES, ERP_SYNC_PRODUCES, startErpSync, type ErpSyncService } from './erp-sync-service';

export const erpSyncService = defineService<ErpSyncConfig, ErpSyncService>({
  id: 'erp-sync',
  packageDir: join(__dirname, '..'),
  config: {
    key: 'erpSync',
    schema: erpSyncSectionSchema,
    env: erpSyncSectionEnvMap,
    optional: true,
    load: loadErpSyncConfig,
  },
  consumes: ERP_SYNC_CONSUMES,
  produces: ERP_SYNC_PRODUCES,
  uses: [databaseResource],
  start: async ({ lifecycle, config, logger, bus, registry, resources }) => {
    // Pushes use the generic REST mapping (erpSync.rest.orders / .shifts), or its defaults.
    const rest = config.erpSync.rest;
    const erpSync = await startErpSync(lifecycle, config.erpSync, {
      bus,
      logger,
      registry,
      db: await resources.use(databaseResource),
      schema: config.database.schema,
      adapter: createErpAdapter(config.erpSync),
      mapPushed: {
        mapOrders: (body) => ({ ...mapRestOrders(body, rest?.orders), cursor: undefined }),
        mapShifts: (body) => ({ ...mapRestShifts(body, rest?.shifts), cursor: undefined }),
      },
    });
    return {
      readiness: [
        consumerReadiness(
          () => erpSync.isReady(),
          'erp-sync',
          'not yet joined its consumer group or no ERP sync succeeded yet',
        ),
      ],
      handle: erpSync,
    };
  },
});
