// The Kiln platform in one process (`kiln start`): the runtime (telemetry, metrics, bus with the whole topic
// catalogue), the dead-letter monitor, the simulated factory with its ERP, the services (ingestion, normalization,
// OEE, maintenance, erp-sync) and the gateway, whose REST server also serves the ops endpoints (/healthz, /readyz, /metrics).
import { join } from 'node:path';
import { catalogueWithPartitions, topics } from '@kiln/contracts';
import { InProcessBus, type EventBus } from '@kiln/bus';
import { ApiKeyStore, startGateway, type Gateway } from '@kiln/gateway';
import {
  connectorConfigSchema,
  startIngestion,
  type IngestionDependencies,
  type IngestionSection,
} from '@kiln/ingestion';
import { openDatabase, openHotState, startNormalization } from '@kiln/normalization';
import { createErpAdapter, erpSyncSectionSchema, startErpSync, type ErpSyncSection } from '@kiln/erp-sync';
import { startMaintenance } from '@kiln/maintenance';
import { openLiveOee, startOee } from '@kiln/oee-service';
import { startRuntime } from '@kiln/service-runtime';
import type { Logger, ReadinessCheck, ServiceLifecycle } from '@kiln/service-kit';
import {
  DEFAULT_ERP_CREDENTIALS,
  plantWorkCenterMap,
  startSimulator,
  type SimulatorHandle,
} from '@kiln/simulator';
import { ensureAdminKey, type AdminKey } from './admin-key';
import type { PlatformConfig } from './config';
import { startDlqMonitor } from './dlq-monitor';

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
  config: PlatformConfig,
  logger: Logger,
  version: string,
): Promise<StartedPlatform> {
  const runtime = await startRuntime(lifecycle, {
    service: SERVICE_NAME,
    version,
    config,
    logger,
    topics: catalogueWithPartitions(config.topics.partitions),
  });
  const { bus, registry } = runtime;

  // Consumers first: on the in-process bus a group sees what is published after it joined.
  const dlqMonitor = await startDlqMonitor(bus, registry, logger);
  lifecycle.add({ name: 'dlq-monitor', stop: () => dlqMonitor.close() });

  const database = await openDatabase(config.database, SERVICE_NAME);
  lifecycle.add({ name: 'database', stop: () => database.db.close() });
  const hot = openHotState(config.redis);
  lifecycle.add({ name: 'hot state', stop: () => hot.hotState.close() });
  // OEE before normalization, which feeds it: components stop in reverse order, so the machine states and counts
  // normalization publishes while it drains still reach OEE, and OEE stops before the database and the bus.
  const liveOee = openLiveOee(config.redis);
  lifecycle.add({ name: 'live oee', stop: () => liveOee.live.close() });
  const oee = await startOee(lifecycle, config.oee, {
    bus,
    logger,
    registry,
    db: database.db,
    schema: config.database.schema,
    live: liveOee.live,
  });
  // Like OEE, before normalization, whose telemetry it scores.
  const maintenance = await startMaintenance(lifecycle, config.maintenance, {
    bus,
    logger,
    registry,
    db: database.db,
    schema: config.database.schema,
  });
  const normalization = await startNormalization(lifecycle, config.normalization, {
    bus,
    logger,
    registry,
    db: database.db,
    schema: config.database.schema,
    hotState: hot.hotState,
  });

  let simulator: SimulatorHandle | undefined;
  if (config.simulator.enabled) {
    const started = await startSimulator(config.simulator, {
      logger: logger.child({ component: 'simulator' }),
    });
    simulator = started;
    lifecycle.add({ name: 'simulator', stop: () => started.stop() });
  }

  // Before ingestion feeds normalization, so that it sees every count from the first one.
  const erpSection = erpSyncSectionFor(config.erpSync, simulator);
  const erpSync =
    erpSection === undefined
      ? undefined
      : await startErpSync(lifecycle, erpSection, {
          bus,
          logger,
          registry,
          db: database.db,
          schema: config.database.schema,
          adapter: createErpAdapter(erpSection),
        });

  const ingestion = await startIngestion(
    lifecycle,
    withSimulatorConnector(config.ingestion, simulator, config.dataDir),
    {
      bus,
      logger,
      registry,
      ...deliveredOnceNormalized(bus, config.normalization.groupId),
    },
  );

  const readiness: ReadinessCheck[] = [
    { name: 'bus', check: () => bus.ping() },
    { name: 'database', check: () => database.ping() },
    { name: 'hot-state', check: () => hot.ping() },
    {
      name: 'normalization',
      check: async () => {
        if (!normalization.isReady()) throw new Error('not yet a member of its consumer group');
      },
    },
    { name: 'live-oee', check: () => liveOee.ping() },
    {
      name: 'oee',
      check: async () => {
        if (!oee.isReady()) throw new Error('not yet a member of its consumer group');
      },
    },
    {
      name: 'maintenance',
      check: async () => {
        if (!maintenance.isReady()) throw new Error('not yet a member of its consumer group');
      },
    },
    ...(erpSync === undefined
      ? []
      : [
          {
            name: 'erp-sync',
            check: async () => {
              if (!erpSync.isReady())
                throw new Error('not yet joined its consumer group or no ERP sync succeeded yet');
            },
          },
        ]),
    {
      name: 'dlq-monitor',
      check: async () => {
        if (!dlqMonitor.isReady()) throw new Error('not yet a member of its consumer group');
      },
    },
    // The store-and-forward buffer: not full, and no entry waits longer than ingestion.readiness.maxUnsentAgeMs.
    ...ingestion.readiness,
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
  ];

  // Before the gateway listens, so that the printed key works as soon as /readyz answers.
  const adminKey = await ensureAdminKey(
    new ApiKeyStore(database.db, config.database.schema, { cacheMs: 0 }),
    config.gateway.auth.adminApiKey,
    config.dataDir,
    logger,
  );
  // Last, so it stops first: no request reaches OEE, normalization, the database or the bus while they stop.
  // Its REST server replaces the runtime's ops server: one port for the API and /healthz, /readyz, /metrics.
  const gateway = await startGateway(lifecycle, config.gateway, {
    bus,
    logger,
    registry,
    db: database.db,
    schema: config.database.schema,
    live: liveOee.live,
    oeeSection: config.oee,
    version,
    unmapped: () => normalization.unmapped(),
    readiness,
  });
  return { bus, gateway, adminKey, readiness, ...(simulator ? { simulator } : {}) };
}

/**
 * On the in-process bus a published record lives in memory only: ingestion's store-and-forward buffer releases a
 * raw batch once normalization has committed it, so a crash of `kiln start` loses no sample. Dead letters go as
 * soon as the bus has them (in one process nothing keeps them beyond the log line of the DLQ monitor). On Kafka
 * publish is durable by itself.
 */
function deliveredOnceNormalized(
  bus: EventBus,
  normalizationGroupId: string,
): Pick<IngestionDependencies, 'delivered'> {
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
