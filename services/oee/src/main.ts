// The OEE service process: `node services/oee/dist/main.js [--config oee.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { openLiveOee } from '@kiln/oee-store';
import { consumerReadiness, databaseReadiness, runServiceProcess } from '@kiln/service-runtime';
import { openDatabase } from '@kiln/timeseries';
import { loadOeeConfig } from './config';
import { OEE_SERVICE_TOPICS, startOee } from './oee-service';

const SERVICE = 'oee';

runServiceProcess({
  service: SERVICE,
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadOeeConfig,
  topics: OEE_SERVICE_TOPICS,
  start: async ({ lifecycle, config, logger, runtime }) => {
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
    return [
      databaseReadiness(db),
      { name: 'live-oee', check: () => live.ping() },
      consumerReadiness(() => oee.isReady()),
    ];
  },
});
