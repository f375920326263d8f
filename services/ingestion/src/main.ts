// The ingestion service process: `node services/ingestion/dist/main.js [--config ingestion.yaml]`.
// The composition root, and the only module here that reads process.env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { startRuntime } from '@kiln/service-runtime';
import { createLogger, runService } from '@kiln/service-kit';
import { loadIngestionConfig } from './config';
import { routeOpcuaLogs } from './connectors/opcua/logging';
import { startIngestion } from './ingestion';

const SERVICE = 'ingestion';
const version = (JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string })
  .version;

function configFile(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((arg) => arg === '--config' || arg === '-c');
  const fromArgs = at >= 0 ? argv[at + 1] : undefined;
  const fromEnv = process.env['KILN_CONFIG'];
  return fromArgs ?? (fromEnv === '' ? undefined : fromEnv);
}

let logger = createLogger({ service: SERVICE, level: 'info' });
void runService({
  name: SERVICE,
  logger,
  start: async (lifecycle) => {
    const config = loadIngestionConfig(configFile(process.argv.slice(2)), process.env);
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
