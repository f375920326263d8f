// The maintenance consumer: kiln.telemetry.v1 (keyed by asset id) -> each asset's model (features, baseline,
// anomaly scores, health, remaining useful life, alert conditions) -> health history and alerts stored, published to
// kiln.maintenance.health.v1 and kiln.maintenance.alert.v1. Models are saved per asset after each batch; a new owner
// of a partition resumes from them (docs/architecture.md section 3).
import { describeError, type EventBus, type Subscription } from '@kiln/bus';
import { topics, type TopicSpec } from '@kiln/contracts';
import type { Logger, Registry, ServiceLifecycle } from '@kiln/service-kit';
import { MaintenanceStore, type Database } from '@kiln/timeseries';
import { AlertKeeper } from './alert-keeper';
import { AssetModels } from './asset-models';
import { MaintenanceBatchHandler } from './batch-handler';
import type { MaintenanceSection } from './config';
import { decodeTelemetry } from './decode';
import { createMaintenanceMetrics } from './metrics';
import { pdmConfigOf } from './model-config';

/** What the maintenance service consumes and produces: its definition declares these, its subscription reads them. */
export const MAINTENANCE_CONSUMES: readonly TopicSpec[] = [topics.telemetry];
export const MAINTENANCE_PRODUCES: readonly TopicSpec[] = [topics.maintenanceAlert, topics.maintenanceHealth];

export const MAINTENANCE_INPUT_TOPICS = MAINTENANCE_CONSUMES.map((spec) => spec.name);

/** Every topic the maintenance service reads or writes, for provisioning. */
export const MAINTENANCE_SERVICE_TOPICS: readonly TopicSpec[] = [
  ...MAINTENANCE_CONSUMES,
  ...MAINTENANCE_PRODUCES,
  topics.dlq,
];

export interface MaintenanceDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  /** Migrated (`migrate` of @kiln/timeseries, version 7 or later) into `schema`. */
  db: Database;
  schema: string;
}

export interface MaintenanceService {
  readonly subscription: Subscription;
  readonly store: MaintenanceStore;
  /** Reads back which known alerts people resolved (what the timer runs); returns how many. */
  checkResolvedAlerts(): Promise<number>;
  isReady(): boolean;
}

export async function startMaintenance(
  lifecycle: ServiceLifecycle,
  section: MaintenanceSection,
  deps: MaintenanceDependencies,
): Promise<MaintenanceService> {
  const logger = deps.logger.child({ component: 'maintenance' });
  const store = new MaintenanceStore(deps.db, deps.schema);
  const alerts = new AlertKeeper(store);
  const models = new AssetModels(store, alerts, pdmConfigOf(section.model), (assetId, error) =>
    logger.warn({ assetId, err: describeError(error) }, 'saved model state not usable; the asset relearns'),
  );
  // The handler asks which partitions are owned; the subscription exists once the first batch can arrive.
  const owner: { subscription?: Subscription } = {};
  const metrics = createMaintenanceMetrics(deps.registry);
  const handler = new MaintenanceBatchHandler({
    store,
    models,
    alerts,
    bus: deps.bus,
    metrics,
    logger,
    publishHealth: section.publishHealth,
    assignments: () => owner.subscription?.assignments() ?? [],
  });
  const subscription = await deps.bus.subscribe({
    groupId: section.groupId,
    topics: MAINTENANCE_INPUT_TOPICS,
    maxBatchSize: section.maxBatchSize,
    fromBeginning: section.startFrom === 'earliest',
    decode: decodeTelemetry,
    handler: (batch) => handler.handle(batch),
    onRecordRefused: () => metrics.deadLettered(),
  });
  owner.subscription = subscription;
  lifecycle.add({ name: 'maintenance consumer', stop: () => subscription.close() });

  const checkResolvedAlerts = (): Promise<number> => alerts.checkResolved();
  const timer = setInterval(() => {
    checkResolvedAlerts().catch((error: unknown) =>
      logger.warn({ err: describeError(error) }, 'reading alert statuses failed; retried at the next check'),
    );
  }, section.alertCheckIntervalMs);
  timer.unref();
  lifecycle.add({ name: 'maintenance alert check', stop: async () => clearInterval(timer) });
  logger.info(
    { groupId: section.groupId, topics: MAINTENANCE_INPUT_TOPICS, schema: deps.schema },
    'maintenance started',
  );
  return { subscription, store, checkResolvedAlerts, isReady: () => subscription.isReady() };
}
