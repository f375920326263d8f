// The OEE consumer: kiln.machine-state.v1, kiln.production-count.v1, kiln.erp.order.v1 and kiln.erp.shift.v1 (all
// keyed by asset id) -> stored inputs -> the windows they affect recomputed by the core -> closed windows upserted
// and published to kiln.oee.v1, open ones kept live. A timer closes windows whose end has passed. The database is
// the only state: a new owner of a partition resumes from it, and replays change nothing (docs/architecture.md section 3).
import { describeError, type EventBus, type Subscription } from '@kiln/bus';
import { topics, type TopicSpec } from '@kiln/contracts';
import {
  AssetSettings,
  deploymentTimeZone,
  OeeEngine,
  OeeStore,
  readCalendarFile,
  SiteTimeZones,
  type LiveOee,
  type OeeSection,
} from '@kiln/oee-store';
import type { Logger, Registry, ServiceLifecycle } from '@kiln/service-kit';
import { HistorianWriter, type Database } from '@kiln/timeseries';
import { AssetLocks } from './asset-locks';
import { OeeBatchHandler } from './batch-handler';
import { decodeRecord } from './decode';
import { createOeeMetrics } from './metrics';

/** What the OEE service consumes and produces: its definition declares these, its subscription reads them. */
export const OEE_CONSUMES: readonly TopicSpec[] = [
  topics.machineState,
  topics.productionCount,
  topics.erpOrder,
  topics.erpShift,
];
export const OEE_PRODUCES: readonly TopicSpec[] = [topics.oee];

export const OEE_INPUT_TOPICS = OEE_CONSUMES.map((spec) => spec.name);

/** Every topic the OEE service reads or writes, for provisioning. */
export const OEE_SERVICE_TOPICS: readonly TopicSpec[] = [...OEE_CONSUMES, ...OEE_PRODUCES, topics.dlq];

export interface OeeDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  /** Migrated (`migrate` of @kiln/timeseries, version 4 or later) into `schema`. */
  db: Database;
  schema: string;
  live: LiveOee;
  /** Epoch milliseconds; tests pass a clock of their own. */
  now?: () => number;
}

export interface OeeService {
  readonly subscription: Subscription;
  readonly store: OeeStore;
  readonly engine: OeeEngine;
  /** Closes the windows of this instance's assets whose end has passed (what the timer runs). */
  closeDueWindows(): Promise<number>;
  isReady(): boolean;
}

export async function startOee(
  lifecycle: ServiceLifecycle,
  section: OeeSection,
  deps: OeeDependencies,
): Promise<OeeService> {
  const logger = deps.logger.child({ component: 'oee' });
  const calendars = section.calendarFile === undefined ? [] : readCalendarFile(section.calendarFile);
  const store = new OeeStore(deps.db, deps.schema);
  const settings = new AssetSettings(deps.db, deps.schema, section.settings);
  const zones = new SiteTimeZones(deps.db, deps.schema, deploymentTimeZone(section));
  if (section.utcOffsetMinutes !== undefined) {
    logger.warn(
      { utcOffsetMinutes: section.utcOffsetMinutes, timeZone: deploymentTimeZone(section) },
      'oee.utcOffsetMinutes is deprecated (a fixed offset knows no daylight saving): set oee.timeZone, e.g. Europe/Berlin',
    );
  }
  const engine = new OeeEngine({
    store,
    calendars,
    timeZoneFor: (assetId) => zones.for(assetId),
    settingsFor: (assetId) => settings.for(assetId),
  });
  const now = deps.now ?? Date.now;
  const nowUs = (): number => Math.round(now() * 1000);
  const metrics = createOeeMetrics(deps.registry);
  const locks = new AssetLocks();
  const handler = new OeeBatchHandler({
    store,
    engine,
    writer: new HistorianWriter(deps.db, { schema: deps.schema }),
    bus: deps.bus,
    live: deps.live,
    metrics,
    logger,
    locks,
    nowUs,
  });

  const subscription = await deps.bus.subscribe({
    groupId: section.groupId,
    topics: OEE_INPUT_TOPICS,
    maxBatchSize: section.maxBatchSize,
    fromBeginning: section.startFrom === 'earliest',
    decode: decodeRecord,
    handler: (batch) => handler.handle(batch),
    onRecordRefused: () => metrics.deadLettered(),
  });
  lifecycle.add({ name: 'oee consumer', stop: () => subscription.close() });

  // The timer may touch any asset of the owned partitions: it runs alone.
  const closeDueWindows = (): Promise<number> =>
    locks.run('all', async () => {
      const partitions = [...new Set(subscription.assignments().map((assignment) => assignment.partition))];
      return handler.closeDue(partitions, nowUs(), section.maxWindowsPerCheck);
    });
  const timer = setInterval(() => {
    closeDueWindows().catch((error: unknown) =>
      logger.warn({ err: describeError(error) }, 'closing due OEE windows failed; retried at the next check'),
    );
  }, section.closeCheckIntervalMs);
  timer.unref();
  lifecycle.add({ name: 'oee close timer', stop: async () => clearInterval(timer) });
  logger.info({ groupId: section.groupId, topics: OEE_INPUT_TOPICS, schema: deps.schema }, 'oee started');

  return { subscription, store, engine, closeDueWindows, isReady: () => subscription.isReady() };
}
