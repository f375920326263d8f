// The ingestion service process: `node services/ingestion/dist/main.js [--config ingestion.yaml]`.
// The composition root, and the only module here that reads process.env.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { runServiceProcess } from '@kiln/service-runtime';
import { loadIngestionConfig } from './config';
import { routeOpcuaLogs } from './connectors/opcua/logging';
import { startIngestion } from './ingestion';

runServiceProcess({
  service: 'ingestion',
  packageDir: join(__dirname, '..'),
  argv: process.argv.slice(2),
  env: process.env,
  loadConfig: loadIngestionConfig,
  topics: [topics.raw, topics.dlq],
  // The store-and-forward buffer takes samples while the bus is away.
  tolerateBusOutage: true,
  onLogger: routeOpcuaLogs,
  start: async ({ lifecycle, config, logger, runtime }) => {
    const ingestion = await startIngestion(lifecycle, config.ingestion, { ...runtime, logger });
    return [
      {
        name: 'buffer',
        check: async () => {
          const { bytes } = ingestion.buffer.stats();
          if (bytes >= config.ingestion.buffer.maxBytes) throw new Error('store-and-forward buffer is full');
        },
      },
    ];
  },
});
