// The gateway, declared once (docs/architecture.md section 12): its process (main.ts) and `kiln start` both run
// this definition. It consumes no topic with a group (it reads the database and live OEE) and publishes what
// clients post (machine states, counts, orders, shifts, alert acknowledgements), so `kiln start` starts it last.
import { join } from 'node:path';
import { topics } from '@kiln/contracts';
import { liveOeeResource, oeeSectionEnvMap, oeeSectionSchema } from '@kiln/oee-store';
import { defineService } from '@kiln/service-runtime';
import { databaseResource, hotStateResource } from '@kiln/timeseries';
import { authFailureStoreResource } from './auth/failure-resource';
import { gatewaySectionEnvMap, gatewaySectionSchema, loadGatewayConfig, type GatewayConfig } from './config';
import { startGateway, type Gateway, type GatewayDependencies } from './gateway';

/**
 * What `kiln start` lends the gateway: the checks of the whole process for its /readyz (its REST server is the
 * ops server there), and normalization's live unmapped tags.
 */
export type GatewayExtras = Pick<GatewayDependencies, 'readiness' | 'unmapped'>;

export const gatewayService = defineService<GatewayConfig, Gateway, GatewayExtras>({
  id: 'gateway',
  packageDir: join(__dirname, '..'),
  config: {
    key: 'gateway',
    schema: gatewaySectionSchema,
    env: gatewaySectionEnvMap,
    // On-request OEE uses the OEE service's calendar and settings: the same figures.
    reads: [{ key: 'oee', schema: oeeSectionSchema, env: oeeSectionEnvMap }],
    load: loadGatewayConfig,
  },
  consumes: [],
  produces: [
    topics.machineState,
    topics.productionCount,
    topics.erpOrder,
    topics.erpShift,
    topics.maintenanceAlert,
  ],
  uses: [databaseResource, liveOeeResource, hotStateResource, authFailureStoreResource],
  start: async ({ lifecycle, config, logger, bus, registry, version, resources }, extras) => {
    const gateway = await startGateway(lifecycle, config.gateway, {
      bus,
      logger,
      registry,
      db: await resources.use(databaseResource),
      schema: config.database.schema,
      live: await resources.use(liveOeeResource),
      hotState: await resources.use(hotStateResource),
      failureStore: await resources.use(authFailureStoreResource),
      oeeSection: config.oee,
      version,
      // Alone: its REST /readyz checks what its ops server checks, the database and live OEE.
      readiness: extras?.readiness ?? resources.readiness(),
      ...(extras?.unmapped === undefined ? {} : { unmapped: extras.unmapped }),
    });
    return { readiness: [], handle: gateway };
  },
});
