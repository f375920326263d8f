// The outbound half of erp-sync: decisions (order completed -> final confirmation; interval boundary passed or
// shift ended -> partial confirmation, when configured; alert opened -> maintenance notification) written to the
// outbox in the transaction that makes them, and a sender that delivers each to the ERP exactly once (idempotency
// keys, docs/architecture.md section 3).
import { describeError, type EventBus } from '@kiln/bus';
import { topics, type TopicSpec } from '@kiln/contracts';
import type { Logger, Registry, ServiceLifecycle } from '@kiln/service-kit';
import { ErpStore, type Database } from '@kiln/timeseries';
import type { ErpAdapter } from '../adapters/types';
import type { OutboundSection } from './config';
import { DecisionHandler, outboundInputTopics } from './decisions';
import { decodeOutboundRecord } from './decode';
import { createOutboundMetrics } from './metrics';
import { OutboxSender } from './sender';

export { outboundSectionSchema, type OutboundSection } from './config';
export { finalConfirmationKey, notificationKey, partialConfirmationKey, partialRevision } from './keys';
export {
  activityTimes,
  DOWN_STATES,
  intervalBoundaryUs,
  MACHINE_TIME_STATES,
  SETUP_STATES,
} from './requests';
export { outboundInputTopics } from './decisions';

/** Every topic the outbound half reads or writes, for provisioning. */
export const OUTBOUND_TOPICS: readonly TopicSpec[] = [
  topics.productionCount,
  topics.maintenanceAlert,
  topics.oee,
  topics.dlq,
];

export interface OutboundDependencies {
  bus: EventBus;
  /** Migrated (`migrate` of @kiln/timeseries, version 9 or later) into `schema`. */
  db: Database;
  schema: string;
  logger: Logger;
  registry: Registry;
  adapter: ErpAdapter;
  /** The ERP work center of a Kiln asset (the work-center map); undefined: the asset has none. */
  workCenterOf: (assetId: string) => string | undefined;
  /** Epoch milliseconds; injected by tests to move through retry schedules without waiting. */
  now?: () => number;
}

export interface Outbound {
  /** True once the consumer has joined its group. */
  isReady(): boolean;
  /** Sends what is due now; returns how many rows were delivered. */
  flush(): Promise<number>;
}

export async function startOutbound(
  lifecycle: ServiceLifecycle,
  section: OutboundSection,
  deps: OutboundDependencies,
): Promise<Outbound> {
  const logger = deps.logger.child({ component: 'erp-outbound', erpSystem: deps.adapter.system });
  const now = deps.now ?? Date.now;
  const store = new ErpStore(deps.db, deps.schema);
  const metrics = createOutboundMetrics(deps.registry, store);
  const sender = new OutboxSender({
    store,
    adapter: deps.adapter,
    settings: section.sender,
    metrics,
    logger,
    now,
  });
  const handler = new DecisionHandler({
    store,
    section,
    erpSystem: deps.adapter.system,
    workCenterOf: deps.workCenterOf,
    metrics,
    logger,
    now,
  });
  const inputTopics = outboundInputTopics(section);
  const subscription = await deps.bus.subscribe({
    groupId: section.groupId,
    topics: inputTopics,
    maxBatchSize: section.maxBatchSize,
    fromBeginning: section.startFrom === 'earliest',
    decode: decodeOutboundRecord,
    handler: (batch) => handler.handle(batch),
    // The bus logs each dead-lettered record with its source and error.
    onRecordRefused: () => metrics.deadLettered(),
  });
  lifecycle.add({ name: 'erp outbound consumer', stop: () => subscription.close() });

  const timer = setInterval(() => {
    sender
      .flush()
      .catch((error: unknown) =>
        logger.warn({ err: describeError(error) }, 'sending the outbox failed; retried at the next poll'),
      );
  }, section.sender.pollIntervalMs);
  timer.unref();
  lifecycle.add({
    name: 'erp outbox sender',
    stop: async () => {
      clearInterval(timer);
      await sender.idle();
    },
  });
  logger.info({ groupId: section.groupId, topics: inputTopics, schema: deps.schema }, 'erp outbound started');
  return { isReady: () => subscription.isReady(), flush: () => sender.flush() };
}
