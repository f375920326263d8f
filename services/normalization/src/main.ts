// The normalization service process: `node services/normalization/dist/main.js [--config normalization.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { openDatabase } from '@kiln/timeseries';
import { openHotState } from './adapters';
import { loadNormalizationConfig } from './config';
import { startNormalization } from './normalization';

const SERVICE = 'normalization';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadNormalizationConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: [topics.raw, topics.telemetry, topics.machineState, topics.productionCount, topics.dlq],
    });
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

    await runtime.serve([
      { name: 'database', check: () => database.ping() },
      { name: 'hot-state', check: () => hot.ping() },
      {
        name: 'consumer',
        check: async () => {
          if (!normalization.isReady()) throw new Error('not yet a member of its consumer group');
        },
      },
    ]);
  },
});
