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
    // The buffer is not full and its oldest unsent entry is younger than ingestion.readiness.maxUnsentAgeMs.
    return ingestion.readiness;
  },
});
