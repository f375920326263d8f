// The OEE service, declared once (docs/architecture.md section 12): its process (main.ts) and `kiln start` both
// run this definition.
import { join } from 'node:path';
import { liveOeeResource, oeeSectionEnvMap, oeeSectionSchema } from '@kiln/oee-store';
import { consumerReadiness, defineService } from '@kiln/service-runtime';
import { databaseResource } from '@kiln/timeseries';
import { loadOeeConfig, type OeeConfig } from './config';
import { OEE_CONSUMES, OEE_PRODUCES, startOee, type OeeService } from './oee-service';

export const oeeService = defineService<OeeConfig, OeeService>({
  id: 'oee',
  packageDir: join(__dirname, '..'),
  config: { key: 'oee', schema: oeeSectionSchema, env: oeeSectionEnvMap, load: loadOeeConfig },
  consumes: OEE_CONSUMES,
  produces: OEE_PRODUCES,
  uses: [databaseResource, liveOeeResource],
  start: async ({ lifecycle, config, logger, bus, registry, resources }) => {
    const oee = await startOee(lifecycle, config.oee, {
      bus,
      logger,
      registry,
      db: await resources.use(databaseResource),
      schema: config.database.schema,
      live: await resources.use(liveOeeResource),
    });
    return { readiness: [consumerReadiness(() => oee.isReady())], handle: oee };
  },
});
