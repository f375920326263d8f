// The OEE consumer: kiln.machine-state.v1, kiln.production-count.v1, kiln.erp.order.v1 and kiln.erp.shift.v1 (all
// keyed by asset id) -> stored inputs -> the windows they affect recomputed by the core -> closed windows upserted
// and published to kiln.oee.v1, open ones kept live. A timer closes windows whose end has passed. The database is
// the only state: a new owner of a partition resumes from it, and replays change nothing (DESIGN.md section 3).
import {
  describeError,
  TransientError,
  type BatchContext,
  type BusRecord,
  type EventBus,
  type RecordBatch,
  type Subscription,
} from '@kiln/bus';
import {
  decodeEvent,
  encodeEvent,
  EventDecodeError,
  eventTopics,
  MachineState,
  OeeWindowKind,
  type MachineStateEvent,
  type OeeResult,
  type ProductionCountBatch,
} from '@kiln/contracts';
import type { OeeWindow, TimeRange } from '@kiln/oee';
import type { Logger, Registry, ServiceLifecycle } from '@kiln/service-kit';
import { HistorianWriter, type Database } from '@kiln/timeseries';
import { readCalendarFile, settingsFor } from './calendar';
import type { OeeSection } from './config';
import { OeeEngine } from './engine';
import type { LiveOee } from './live';
import { createOeeMetrics, type OeeMetrics } from './metrics';
import { OeeStore, type ResultToPublish } from './store';

export const OEE_INPUT_TOPICS = [
  eventTopics.machineState.topic.name,
  eventTopics.productionCount.topic.name,
  eventTopics.erpOrder.topic.name,
  eventTopics.erpShift.topic.name,
];

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
  const engine = new OeeEngine({
    store,
    calendars,
    utcOffsetMinutes: section.utcOffsetMinutes,
    settingsFor: (assetId) => settingsFor(assetId, section.settings),
  });
  const now = deps.now ?? Date.now;
  const nowUs = (): number => Math.round(now() * 1000);
  const metrics = createOeeMetrics(deps.registry);
  const handler = new OeeBatchHandler({
    store,
    engine,
    writer: new HistorianWriter(deps.db, { schema: deps.schema }),
    bus: deps.bus,
    live: deps.live,
    metrics,
    logger,
  });
  // Batches of several partitions and the closing timer may touch the same asset: one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const subscription = await deps.bus.subscribe({
    groupId: section.groupId,
    topics: OEE_INPUT_TOPICS,
    maxBatchSize: section.maxBatchSize,
    fromBeginning: section.startFrom === 'earliest',
    handler: (batch, context) => exclusive(() => handler.handle(batch, context, nowUs())),
  });
  lifecycle.add({ name: 'oee consumer', stop: () => subscription.close() });

  const closeDueWindows = (): Promise<number> =>
    exclusive(async () => {
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

interface HandlerDependencies {
  readonly store: OeeStore;
  readonly engine: OeeEngine;
  readonly writer: HistorianWriter;
  readonly bus: EventBus;
  readonly live: LiveOee;
  readonly metrics: OeeMetrics;
  readonly logger: Logger;
}

type Decoded =
  | { kind: 'state'; record: BusRecord; value: MachineStateEvent }
  | { kind: 'count'; record: BusRecord; value: ProductionCountBatch }
  | { kind: 'order'; record: BusRecord; value: ReturnType<typeof eventTopics.erpOrder.codec.decode> }
  | { kind: 'shift'; record: BusRecord; value: ReturnType<typeof eventTopics.erpShift.codec.decode> };

class RuleError extends Error {
  override readonly name = 'RuleError';
}

function decodeRecord(record: BusRecord): Decoded | undefined {
  switch (record.topic) {
    case eventTopics.machineState.topic.name: {
      const value = decodeEvent(eventTopics.machineState, record.value, record.headers);
      if (
        value.event?.$case === 'change' &&
        value.event.value.state === MachineState.MACHINE_STATE_UNSPECIFIED
      ) {
        throw new RuleError(
          `state change of asset "${value.assetId}" at ${value.event.value.startTimeUs} us has no state (UNSPECIFIED)`,
        );
      }
      return { kind: 'state', record, value };
    }
    case eventTopics.productionCount.topic.name:
      return {
        kind: 'count',
        record,
        value: decodeEvent(eventTopics.productionCount, record.value, record.headers),
      };
    case eventTopics.erpOrder.topic.name:
      return {
        kind: 'order',
        record,
        value: decodeEvent(eventTopics.erpOrder, record.value, record.headers),
      };
    case eventTopics.erpShift.topic.name:
      return {
        kind: 'shift',
        record,
        value: decodeEvent(eventTopics.erpShift, record.value, record.headers),
      };
    default:
      return undefined;
  }
}

function stateTimeOf(event: MachineStateEvent): number | undefined {
  if (event.event?.$case === 'change') return event.event.value.startTimeUs;
  if (event.event?.$case === 'reason') return event.event.value.stopStartTimeUs;
  return undefined;
}

class AffectedRanges {
  readonly byAsset = new Map<string, TimeRange[]>();

  add(assetId: string, range: TimeRange): void {
    const ranges = this.byAsset.get(assetId) ?? [];
    ranges.push({ fromUs: range.fromUs, toUs: Math.max(range.toUs, range.fromUs + 1) });
    this.byAsset.set(assetId, ranges);
  }
}

class OeeBatchHandler {
  constructor(private readonly deps: HandlerDependencies) {}

  async handle(batch: RecordBatch, context: BatchContext, nowUs: number): Promise<void> {
    const started = performance.now();
    const decoded: Decoded[] = [];
    for (const record of batch.records) {
      try {
        const event = decodeRecord(record);
        if (event !== undefined) decoded.push(event);
      } catch (error) {
        if (!(error instanceof EventDecodeError) && !(error instanceof RuleError)) throw error;
        context.deadLetter(record, error);
        this.deps.metrics.deadLettered();
      }
    }
    if (decoded.length === 0) return;
    try {
      const affected = await this.store(batch, decoded, nowUs);
      await this.recompute(affected, nowUs);
    } catch (error) {
      throw new TransientError(
        `storing or recomputing OEE for ${batch.topic}[${batch.partition}] offsets ` +
          `${batch.records[0]?.offset}..${batch.records[batch.records.length - 1]?.offset} failed: ${describeError(error)}`,
        { cause: error },
      );
    }
    this.deps.metrics.events(batch.topic, decoded.length);
    this.deps.metrics.batch((performance.now() - started) / 1000);
  }

  /** Stores the inputs; returns the time ranges each asset's windows must be recomputed over. */
  private async store(
    batch: RecordBatch,
    decoded: readonly Decoded[],
    nowUs: number,
  ): Promise<AffectedRanges> {
    const { store, writer } = this.deps;
    const affected = new AffectedRanges();
    const assets = new Map<string, number>();
    const states: MachineStateEvent[] = [];
    const counts: ProductionCountBatch[] = [];
    for (const event of decoded) {
      assets.set(event.value.assetId, batch.partition);
      if (event.kind === 'state') states.push(event.value);
      else if (event.kind === 'count') counts.push(event.value);
    }
    // A change at t alters the run before it (it may become a micro-stop or not) and the run from t on, before
    // and after the write (@kiln/oee README, windows and late data).
    const stateChanges = async (): Promise<void> => {
      for (const event of states) {
        const timeUs = stateTimeOf(event);
        if (timeUs === undefined) continue;
        const run = await store.runAround(event.assetId, timeUs, false);
        affected.add(event.assetId, { fromUs: run.runStartUs ?? timeUs, toUs: run.runEndUs ?? nowUs });
      }
    };
    await stateChanges();
    if (states.length > 0) {
      const written = await writer.writeMachineStateEvents(states);
      if (written.reasonsUnmatched.length > 0) {
        this.deps.metrics.reasonsUnmatched(written.reasonsUnmatched.length);
        this.deps.logger.warn(
          { topic: batch.topic, partition: batch.partition, unmatched: written.reasonsUnmatched.slice(0, 5) },
          'stop reasons name stop starts that are not stored; they were not applied',
        );
      }
      await stateChanges();
    }
    if (counts.length > 0) {
      await writer.writeProductionCountBatches(counts);
      for (const countBatch of counts) {
        for (const delta of countBatch.deltas) {
          affected.add(countBatch.assetId, { fromUs: delta.timeUs, toUs: delta.timeUs + 1 });
        }
      }
    }
    for (const event of decoded) {
      if (event.kind === 'order') {
        const change = await store.upsertOrder(event.value);
        if (!change.applied) continue;
        for (const span of [change.previous, change.current]) {
          if (span !== undefined)
            affected.add(event.value.assetId, { fromUs: span.startUs, toUs: span.endUs ?? nowUs });
        }
        await store.removeStaleWindows(
          event.value.assetId,
          OeeWindowKind.OEE_WINDOW_KIND_ORDER,
          event.value.orderId,
          change.current?.startUs,
        );
      } else if (event.kind === 'shift') {
        const change = await store.upsertShift(event.value);
        if (!change.applied) continue;
        for (const span of [change.previous, change.current]) {
          if (span !== undefined)
            affected.add(event.value.assetId, { fromUs: span.startUs, toUs: span.endUs });
        }
        await store.removeStaleWindows(
          event.value.assetId,
          OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
          event.value.shiftId,
          change.current?.startUs,
        );
      }
    }
    await store.noteAssets(
      [...assets].map(([assetId, partition]) => ({ assetId, partition })),
      nowUs,
    );
    return affected;
  }

  private async recompute(affected: AffectedRanges, nowUs: number): Promise<void> {
    const changed: ResultToPublish[] = [];
    for (const [assetId, ranges] of affected.byAsset) {
      const windows = await this.deps.engine.windowsOf(assetId, ranges, nowUs);
      changed.push(...(await this.closeWindows(assetId, windows, nowUs)));
      await this.refreshLive(assetId, nowUs);
    }
    await this.publish(changed);
  }

  private async closeWindows(assetId: string, windows: readonly OeeWindow[], nowUs: number) {
    const closed = windows.filter((window) => OeeEngine.isClosed(window, nowUs));
    this.deps.metrics.windows('closed', closed.length);
    return this.deps.engine.close(assetId, closed, nowUs);
  }

  private async refreshLive(assetId: string, nowUs: number): Promise<void> {
    const results = await this.deps.engine.live(assetId, nowUs);
    for (const result of results) await this.deps.live.set(result);
    this.deps.metrics.windows('live', results.length);
  }

  /** Publishes new or corrected windows, then records that they were published. */
  private async publish(changed: readonly ResultToPublish[]): Promise<void> {
    if (changed.length === 0) return;
    const messages: OeeResult[] = changed.map((entry) => entry.message);
    await this.deps.bus.publish(
      eventTopics.oee.topic.name,
      messages.map((message) => encodeEvent(eventTopics.oee, message)),
    );
    await this.deps.store.markPublished(messages);
    this.deps.metrics.published(messages.length);
  }

  /** The timer's work: windows of the owned partitions' assets that ended since they were last closed. */
  async closeDue(partitions: readonly number[], nowUs: number, maxWindows: number): Promise<number> {
    const { store, engine } = this.deps;
    let closedCount = 0;
    for (const asset of await store.dueAssets(partitions, nowUs)) {
      const windows = (
        await engine.windowsOf(asset.assetId, [{ fromUs: asset.closedThroughUs, toUs: nowUs }], nowUs)
      )
        .filter((window) => window.endUs > asset.closedThroughUs && OeeEngine.isClosed(window, nowUs))
        .sort((a, b) => a.endUs - b.endUs);
      const batch = windows.slice(0, maxWindows);
      const changed = await this.closeWindows(asset.assetId, batch, nowUs);
      await this.publish(changed);
      await this.refreshLive(asset.assetId, nowUs);
      const last = batch[batch.length - 1];
      await store.setClosedThrough(
        asset.assetId,
        windows.length > maxWindows && last !== undefined ? last.endUs : nowUs,
      );
      closedCount += batch.length;
    }
    return closedCount;
  }
}
