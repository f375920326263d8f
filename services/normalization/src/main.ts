// The normalization service process: `node services/normalization/dist/main.js [--config normalization.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { consumerReadiness, runServiceProcess } from '@kiln/service-runtime';
import { openDatabase } from '@kiln/timeseries';
import { openHotState } from './adapters';
import { loadNormalizationConfig } from './config';
import { startNormalization } from './normalization';

const SERVICE = 'normalization';

runServiceProcess({
  service: SERVICE,
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadNormalizationConfig,
  topics: [topics.raw, topics.telemetry, topics.machineState, topics.productionCount, topics.dlq],
  start: async ({ lifecycle, config, logger, runtime }) => {
    const database = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => database.db.close() });
    const hot = openHotState(config.redis);
    lifecycle.add({ name: 'hot state', stop: () => hot.hotState.close() });

    const normalization = await startNormalization(lifecycle, config.normalization, {
      ...runtime,
      logger,
      db: database.db,
      schema: config.database.schema,
      hotState: hot.hotState,
    });
    const reloadOnHangup = (): void => {
      void normalization.reload();
    };
    process.on('SIGHUP', reloadOnHangup);
    lifecycle.add({ name: 'SIGHUP reload', stop: async () => void process.off('SIGHUP', reloadOnHangup) });

    return [
      { name: 'database', check: () => database.ping() },
      { name: 'hot-state', check: () => hot.ping() },
      consumerReadiness(() => normalization.isReady()),
    ];
  },
});
