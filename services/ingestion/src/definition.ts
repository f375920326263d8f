// The ingestion service, declared once (docs/architecture.md section 12): its process (main.ts) and `kiln start`
// both run this definition.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { defineService } from '@kiln/service-runtime';
import {
  ingestionSectionEnvMap,
  ingestionSectionSchema,
  loadIngestionConfig,
  type IngestionConfig,
} from './config';
import { routeOpcuaLogs } from './connectors/opcua/logging';
import { startIngestion, type Ingestion, type IngestionDependencies } from './ingestion';

/** What `kiln start` lends ingestion: the in-process bus's wait for normalization's commits. */
export type IngestionExtras = Pick<IngestionDependencies, 'delivered'>;

export const ingestionService = defineService<IngestionConfig, Ingestion, IngestionExtras>({
  id: 'ingestion',
  packageDir: join(__dirname, '..'),
  config: {
    key: 'ingestion',
    schema: ingestionSectionSchema,
    env: ingestionSectionEnvMap,
    load: loadIngestionConfig,
  },
  consumes: [],
  produces: [topics.raw],
  uses: [],
  // The store-and-forward buffer takes samples while the bus is away.
  tolerateBusOutage: true,
  onLogger: routeOpcuaLogs,
  start: async ({ lifecycle, config, logger, bus, registry }, extras) => {
    const ingestion = await startIngestion(lifecycle, config.ingestion, { bus, logger, registry, ...extras });
    // The buffer is not full and its oldest unsent entry is younger than ingestion.readiness.maxUnsentAgeMs.
    return { readiness: ingestion.readiness, handle: ingestion };
  },
});
