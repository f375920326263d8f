// The ingestion service process: `node services/ingestion/dist/main.js [--config ingestion.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { startRuntime } from '@kiln/service-runtime';
import { configFileFrom, createLogger, packageVersion, runService } from '@kiln/service-kit';
import { loadIngestionConfig } from './config';
import { routeOpcuaLogs } from './connectors/opcua/logging';
import { startIngestion } from './ingestion';

const SERVICE = 'ingestion';
const version = packageVersion(join(__dirname, '..'));

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadIngestionConfig(configFileFrom(process.argv.slice(2), process.env), process.env);
    logger = createLogger({ service: SERVICE, level: config.log.level });
    routeOpcuaLogs(logger);
    const runtime = await startRuntime(lifecycle, {
      service: SERVICE,
      version,
      config,
      logger,
      topics: [topics.raw, topics.dlq],
      tolerateBusOutage: true,
    });
    const ingestion = await startIngestion(lifecycle, config.ingestion, { ...runtime, logger });
    await runtime.serve([
      {
        name: 'buffer',
        check: async () => {
          const { bytes } = ingestion.buffer.stats();
          if (bytes >= config.ingestion.buffer.maxBytes) throw new Error('store-and-forward buffer is full');
        },
      },
    ]);
  },
});
