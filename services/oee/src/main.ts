// The OEE service process: `node services/oee/dist/main.js [--config oee.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { openDatabase } from '@kiln/timeseries';
import { openLiveOee } from './adapters';
import { loadOeeConfig } from './config';
import { OEE_SERVICE_TOPICS, startOee } from './oee-service';

const SERVICE = 'oee';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadOeeConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: OEE_SERVICE_TOPICS,
    });
    const { db } = await openDatabase(config.database, SERVICE);
    lifecycle.add({ name: 'database', stop: () => db.close() });
    const live = openLiveOee(config.redis);
    lifecycle.add({ name: 'live oee', stop: () => live.live.close() });
    const oee = await startOee(lifecycle, config.oee, {
      ...runtime,
      logger,
      db,
      schema: config.database.schema,
      live: live.live,
    });
    await runtime.serve([
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      { name: 'live-oee', check: () => live.ping() },
      {
        name: 'consumer',
        check: async () => {
          if (!oee.isReady()) throw new Error('not yet a member of its consumer group');
        },
      },
    ]);
  },
});
