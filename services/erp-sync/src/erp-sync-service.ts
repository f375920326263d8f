// The ERP-sync service as a library (its process, `kiln start`, tests): inbound sync on a schedule and on demand
// (webhook endpoint), outbound decisions and the outbox sender, over one ERP adapter and the work-center map.
import { describeError, type EventBus } from '@kiln/bus';
import { topics, type TopicSpec } from '@kiln/contracts';
import { isLoopbackHost, type Logger, type Registry, type ServiceLifecycle } from '@kiln/service-kit';
import { ErpStore, type Database } from '@kiln/timeseries';
import type { ErpAdapter } from './adapters/types';
import type { ErpSyncSection } from './config';
import { InboundSync, type InboundStore } from './inbound/sync';
import { createInboundMetrics } from './metrics';
import { OUTBOUND_TOPICS, startOutbound, type Outbound } from './outbound';
import { startWebhook, type WebhookOptions } from './webhook';
import { WorkCenterMap } from './work-centers';

/**
 * What erp-sync consumes (its outbound half; OEE results only with confirmations at shift end) and produces (the
 * orders and shifts its inbound half reads from the ERP): its definition declares these.
 */
export const ERP_SYNC_CONSUMES: readonly TopicSpec[] = OUTBOUND_TOPICS.filter((spec) => spec !== topics.dlq);
export const ERP_SYNC_PRODUCES: readonly TopicSpec[] = [topics.erpOrder, topics.erpShift];

/** Every topic erp-sync reads or writes, for provisioning. */
export const ERP_SYNC_TOPICS: readonly TopicSpec[] = [
  ...ERP_SYNC_PRODUCES,
  ...OUTBOUND_TOPICS.filter((spec) => !ERP_SYNC_PRODUCES.includes(spec)),
];

export interface ErpSyncDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  /** Migrated (`migrate` of @kiln/timeseries, version 9 or later) into `schema`. */
  db: Database;
  schema: string;
  adapter: ErpAdapter;
  /** Pushed JSON -> records, for the webhook (the generic REST mapping); absent: pushes are refused. */
  mapPushed?: Pick<WebhookOptions, 'mapOrders' | 'mapShifts'>;
  /** Epoch milliseconds; tests pass a clock of their own. */
  now?: () => number;
}

export interface ErpSyncService {
  readonly inbound: InboundSync;
  readonly outbound: Outbound;
  readonly store: ErpStore;
  readonly workCenters: WorkCenterMap;
  /** Where the webhook endpoint listens, when enabled. */
  readonly webhookUrl: string | undefined;
  isReady(): boolean;
}

function inboundStoreOf(store: ErpStore): InboundStore {
  return {
    cursor: (key) => store.cursor(key),
    setCursor: (key, cursor) => store.setCursor(key, cursor),
    upsertOrders: async (erpSystem, orders) =>
      void (await store.upsertOrders(
        erpSystem,
        orders.map(({ order, assetId }) => ({ ...order, assetId })),
      )),
    recordProblems: (erpSystem, kind, problems) => store.recordProblems(erpSystem, kind, problems),
  };
}

export async function startErpSync(
  lifecycle: ServiceLifecycle,
  section: ErpSyncSection,
  deps: ErpSyncDependencies,
): Promise<ErpSyncService> {
  const logger = deps.logger.child({ component: 'erp-sync', erpSystem: deps.adapter.system });
  const workCenters = new WorkCenterMap(section.workCenters);
  const store = new ErpStore(deps.db, deps.schema);
  const metrics = createInboundMetrics(deps.registry);
  const inbound = new InboundSync({
    adapter: deps.adapter,
    store: inboundStoreOf(store),
    bus: deps.bus,
    workCenters,
    logger,
    metrics,
  });
  const outbound = await startOutbound(lifecycle, section.outbound, {
    bus: deps.bus,
    db: deps.db,
    schema: deps.schema,
    logger,
    registry: deps.registry,
    adapter: deps.adapter,
    workCenterOf: (assetId) => workCenters.workCenterOf(assetId),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });

  let inboundOk = false;
  const syncOnce = async (): Promise<void> => {
    try {
      const reports = await inbound.syncNow();
      inboundOk = true;
      for (const report of reports) {
        logger.debug({ ...report, problems: report.problems.length }, 'ERP sync done');
      }
    } catch (error) {
      metrics.failed('sync');
      logger.warn({ err: describeError(error) }, 'ERP sync failed; retried at the next interval');
    }
  };
  if (section.inbound.enabled) {
    void syncOnce();
    const timer = setInterval(() => void syncOnce(), section.inbound.intervalMs);
    timer.unref();
    lifecycle.add({ name: 'erp inbound sync', stop: async () => clearInterval(timer) });
  }

  let webhookUrl: string | undefined;
  if (section.webhook.enabled) {
    const app = await startWebhook({
      host: section.webhook.host,
      port: section.webhook.port,
      token: section.webhook.token,
      inbound,
      ...deps.mapPushed,
    });
    lifecycle.add({ name: 'erp webhook', stop: () => app.close() });
    if (section.webhook.token === undefined && !isLoopbackHost(section.webhook.host)) {
      logger.warn(
        { host: section.webhook.host, port: section.webhook.port },
        'the ERP webhook takes pushes and syncs from the network without a token (erpSync.webhook.insecure: true)',
      );
    }
    const bound = app.server.address();
    webhookUrl =
      typeof bound === 'object' && bound !== null
        ? `http://${section.webhook.host}:${bound.port}`
        : undefined;
  }
  logger.info(
    { workCenters: workCenters.size, intervalMs: section.inbound.intervalMs, webhookUrl },
    'erp-sync started',
  );
  return {
    inbound,
    outbound,
    store,
    workCenters,
    webhookUrl,
    isReady: () => outbound.isReady() && (!section.inbound.enabled || inboundOk),
  };
}
