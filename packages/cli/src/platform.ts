// The Kiln platform in one process (`kiln start`): the runtime (telemetry, metrics, bus with the whole topic
// catalogue), the dead-letter monitor, the simulated factory with its ERP, and the services of the list
// (services.ts) in the order their topics give. The gateway's REST server also serves the ops endpoints
// (/healthz, /readyz, /metrics) with every check of the process.
import { join } from 'node:path';
import { catalogueWithPartitions, topics } from '@kiln/contracts';
import { InProcessBus, type EventBus } from '@kiln/bus';
import type { ErpSyncSection } from '@kiln/erp-sync';
import { ApiKeyStore, gatewayService, type Gateway, type GatewayExtras } from '@kiln/gateway';
import {
  connectorConfigSchema,
  ingestionService,
  type IngestionExtras,
  type IngestionSection,
} from '@kiln/ingestion';
import { normalizationService } from '@kiln/normalization';
import { erpSyncSectionSchema } from '@kiln/erp-sync';
import { startRuntime, startServices, type StartedServices } from '@kiln/service-runtime';
import type { Logger, ReadinessCheck, ServiceLifecycle } from '@kiln/service-kit';
import {
  DEFAULT_ERP_CREDENTIALS,
  plantWorkCenterMap,
  startSimulator,
  type SimulatorHandle,
} from '@kiln/simulator';
import { databaseResource } from '@kiln/timeseries';
import { ensureAdminKey, type AdminKey } from './admin-key';
import type { PlatformConfig } from './config';
import { startDlqMonitor } from './dlq-monitor';
import { PLATFORM_SERVICES } from './services';

export const SERVICE_NAME = 'kiln';

export interface StartedPlatform {
  bus: EventBus;
  gateway: Gateway;
  adminKey: AdminKey;
  simulator?: SimulatorHandle;
  /** What /readyz checks: the warm-up progress line follows them. */
  readiness: readonly ReadinessCheck[];
}

export async function startPlatform(
  lifecycle: ServiceLifecycle,
  configured: PlatformConfig,
  logger: Logger,
  version: string,
): Promise<StartedPlatform> {
  const runtime = await startRuntime(lifecycle, {
    service: SERVICE_NAME,
    version,
    config: configured,
    logger,
    topics: catalogueWithPartitions(configured.topics.partitions),
  });
  const { bus, registry } = runtime;

  // Before every service: on the in-process bus a group sees what is published after it joined.
  const dlqMonitor = await startDlqMonitor(bus, registry, logger);
  lifecycle.add({ name: 'dlq-monitor', stop: () => dlqMonitor.close() });

  // The simulated factory before the services: ingestion reads it, erp-sync talks to its ERP.
  let simulator: SimulatorHandle | undefined;
  if (configured.simulator.enabled) {
    const started = await startSimulator(configured.simulator, {
      logger: logger.child({ component: 'simulator' }),
    });
    simulator = started;
    lifecycle.add({ name: 'simulator', stop: () => started.stop() });
  }
  const erpSync = erpSyncSectionFor(configured.erpSync, simulator);
  const config: PlatformConfig = {
    ...configured,
    ingestion: withSimulatorConnector(configured.ingestion, simulator, configured.dataDir),
    ...(erpSync === undefined ? {} : { erpSync }),
  };

  // What the gateway's /readyz checks besides the services: the monitor, and the connectors (down while a
  // machine is unreachable: in one process that is what an operator asks first).
  const platformChecks = (started: StartedServices): ReadinessCheck[] => {
    const ingestion = started.handleOf(ingestionService);
    return [
      { name: 'bus', check: () => bus.ping() },
      ...started.readiness(),
      {
        name: 'dlq-monitor',
        check: async () => {
          if (!dlqMonitor.isReady()) throw new Error('not yet a member of its consumer group');
        },
      },
      ...(ingestion === undefined
        ? []
        : [
            {
              name: 'connectors',
              check: async () => {
                const down = ingestion.status().filter((status) => status.state !== 'connected');
                if (down.length > 0) {
                  throw new Error(
                    down.map((status) => `${status.id} ${status.state}: ${status.detail ?? ''}`).join('; '),
                  );
                }
              },
            },
          ]),
    ];
  };

  let adminKey: AdminKey | undefined;
  const gatewayChecks: ReadinessCheck[] = [];
  const started = await startServices(
    PLATFORM_SERVICES,
    { lifecycle, config, logger, bus, registry, version },
    async (id, sofar) => {
      if (id === ingestionService.id) return deliveredOnceNormalized(bus, config.normalization.groupId);
      if (id !== gatewayService.id) return undefined;
      // Before the gateway listens, so that the printed key works as soon as /readyz answers.
      const db = await sofar.resources.use(databaseResource);
      adminKey = await ensureAdminKey(
        new ApiKeyStore(db, config.database.schema, { cacheMs: 0 }),
        config.gateway.auth.adminApiKey,
        config.dataDir,
        logger,
      );
      const normalization = sofar.handleOf(normalizationService);
      gatewayChecks.push(...platformChecks(sofar));
      const extras: GatewayExtras = {
        // Its REST server replaces the runtime's ops server: one port for the API and /healthz, /readyz, /metrics.
        // The list is read at each request: services that start after the gateway join it below.
        readiness: gatewayChecks,
        ...(normalization === undefined ? {} : { unmapped: () => normalization.unmapped() }),
      };
      return extras;
    },
  );
  const gateway = started.handleOf(gatewayService);
  if (gateway === undefined || adminKey === undefined)
    throw new Error('kiln start: the gateway did not start');
  const readiness = platformChecks(started);
  gatewayChecks.splice(0, gatewayChecks.length, ...readiness);
  return {
    bus,
    gateway,
    adminKey,
    readiness,
    ...(simulator ? { simulator } : {}),
  };
}

/**
 * On the in-process bus a published record lives in memory only: ingestion's store-and-forward buffer releases a
 * raw batch once normalization has committed it, so a crash of `kiln start` loses no sample. Dead letters go as
 * soon as the bus has them (in one process nothing keeps them beyond the log line of the DLQ monitor). On Kafka
 * publish is durable by itself.
 */
function deliveredOnceNormalized(bus: EventBus, normalizationGroupId: string): IngestionExtras {
  if (!(bus instanceof InProcessBus)) return {};
  return {
    delivered: (topic, signal) =>
      topic === topics.raw.name ? bus.committedBy(normalizationGroupId, topic, signal) : Promise.resolve(),
  };
}

/**
 * The configured ERP, or else the simulator's ERP (SAP face) with the simulated plant's work centers; none when
 * neither is there.
 */
function erpSyncSectionFor(
  configured: ErpSyncSection | undefined,
  simulator: SimulatorHandle | undefined,
): ErpSyncSection | undefined {
  if (configured !== undefined) return configured;
  if (simulator?.erp === undefined) return undefined;
  const { username, password } = DEFAULT_ERP_CREDENTIALS;
  return erpSyncSectionSchema.parse({
    system: 'sap',
    sap: { baseUrl: simulator.erp.url, auth: { type: 'basic', username, password } },
    workCenters: plantWorkCenterMap(simulator.plant),
    inbound: { intervalMs: 30_000 },
  });
}

/**
 * With the simulated factory on and no connector configured, ingestion reads the simulator over OPC UA (on
 * loopback, without security), so `npm start` shows the whole path from a machine to the topics.
 */
function withSimulatorConnector(
  section: IngestionSection,
  simulator: SimulatorHandle | undefined,
  dataDir: string,
): IngestionSection {
  if (simulator?.opcua === undefined || section.connectors.length > 0) return section;
  const connector = connectorConfigSchema.parse({
    kind: 'opcua',
    id: 'simulator',
    endpointUrl: `opc.tcp://127.0.0.1:${simulator.opcua.port}`,
    securityMode: 'None',
    auth: { type: 'anonymous' },
    pki: { folder: join(dataDir, 'ingestion', 'pki') },
    nodes: [{ browse: { root: '/Objects/1:Plant', maxDepth: 5 } }],
  });
  return { ...section, connectors: [connector] };
}
