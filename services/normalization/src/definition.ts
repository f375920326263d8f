// The normalization service, declared once (docs/architecture.md section 12): its process (main.ts) and
// `kiln start` both run this definition.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { consumerReadiness, defineService } from '@kiln/service-runtime';
import { databaseResource, hotStateResource } from '@kiln/timeseries';
import {
  loadNormalizationConfig,
  normalizationSectionEnvMap,
  normalizationSectionSchema,
  type NormalizationConfig,
} from './config';
import { startNormalization, type Normalization } from './normalization';

export const normalizationService = defineService<NormalizationConfig, Normalization>({
  id: 'normalization',
  packageDir: join(__dirname, '..'),
  config: {
    key: 'normalization',
    schema: normalizationSectionSchema,
    env: normalizationSectionEnvMap,
    load: loadNormalizationConfig,
  },
  consumes: [topics.raw],
  produces: [topics.telemetry, topics.machineState, topics.productionCount],
  uses: [databaseResource, hotStateResource],
  // In its own process SIGHUP re-reads the plant file, as a plant engineer expects of a daemon.
  onHangup: (normalization) => void normalization.reload(),
  start: async ({ lifecycle, config, logger, bus, registry, resources }) => {
    const normalization = await startNormalization(lifecycle, config.normalization, {
      bus,
      logger,
      registry,
      db: await resources.use(databaseResource),
      schema: config.database.schema,
      hotState: await resources.use(hotStateResource),
    });
    return { readiness: [consumerReadiness(() => normalization.isReady())], handle: normalization };
  },
});
