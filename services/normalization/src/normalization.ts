// The normalization consumer: kiln.raw.v1 -> Normalizer (per partition) -> historian rows, then
// kiln.telemetry.v1 / kiln.machine-state.v1 / kiln.production-count.v1 keyed by asset id, then hot state, then
// the partition's normalizer state; only then does the batch resolve and the bus commit its offset.
// Used by the service's main.ts and by `kiln start`, which runs it in one process with the rest.
import {
  emptyStats,
  mergeUnmapped,
  type NormalizeResult,
  type NormalizerSnapshot,
  type NormalizerStats,
  type PlantConfig,
  type UnmappedTag,
} from '@kiln/asset-model';
import {
  effectFailure,
  type BatchContext,
  type BusRecord,
  type DecodedBatch,
  type EventBus,
  type RecordBatch,
  type Subscription,
} from '@kiln/bus';
import { encodeEvent, eventTopics, type EventTopic, type RawSampleBatch } from '@kiln/contracts';
import { splitBySamples } from './batch-split';
import { decodeRawBatch } from './raw-decode';
import type { Logger, Registry, ServiceLifecycle } from '@kiln/service-kit';
import {
  HistorianWriter,
  InvalidArgumentError,
  NormalizerStateStore,
  storageBackend,
  type Database,
  type HotState,
} from '@kiln/timeseries';
import type { NormalizationSection } from './config';
import { createNormalizationMetrics, type HistorianTable, type NormalizationMetrics } from './metrics';
import { gatherOutputs, type BatchOutputs } from './outputs';
import { PartitionNormalizers, type PartitionNormalizer } from './partitions';
import { PlantFile, type PlantReloadOutcome } from './plant';
import { recordDigest } from './replay-guard';
import { RollupRefresher } from './rollup-refresh';
import { rejectCategory, SampleLog } from './sample-log';

export interface NormalizationDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  /** The historian database, migrated (`migrate` of @kiln/timeseries) into `schema`. */
  db: Database;
  /** Schema of the historian tables; `normalizer_state` and `rollup_refresh_pending` are created there. */
  schema: string;
  hotState: HotState;
}

export interface Normalization {
  readonly subscription: Subscription;
  /** Re-reads the plant file; an invalid one keeps the running configuration (outcome `invalid`). */
  reload(): Promise<PlantReloadOutcome>;
  /** The plant configuration in force. */
  plant(): PlantConfig;
  /** Unmapped tags of the partitions this instance owns, merged, most frequent first. */
  unmapped(): UnmappedTag[];
  /** Normalizer counts of the partitions this instance owns, summed. */
  stats(): NormalizerStats;
  /** Joined the consumer group. */
  isReady(): boolean;
}

export async function startNormalization(
  lifecycle: ServiceLifecycle,
  section: NormalizationSection,
  deps: NormalizationDependencies,
): Promise<Normalization> {
  const logger = deps.logger.child({ component: 'normalization' });
  const { db, schema } = deps;
  const stateStore = new NormalizerStateStore(db, schema);
  await stateStore.ensureTable();
  // Filled once subscribed; metrics may be scraped before that.
  const consumer: { subscription?: Subscription } = {};
  const owned = (): number[] | undefined =>
    consumer.subscription?.assignments().map((assignment) => assignment.partition);
  const partitions = new PartitionNormalizers({
    store: stateStore,
    plant: () => plant.config,
    maxClockSkewMs: section.maxClockSkewMs,
    topic: eventTopics.raw.topic.name,
    describeLog: (partition) => deps.bus.describeLog(eventTopics.raw.topic.name, partition),
    logger,
  });
  const unmapped = (): UnmappedTag[] =>
    mergeUnmapped(partitions.normalizers(owned()).flatMap((normalizer) => normalizer.unmapped()));
  const metrics = createNormalizationMetrics(deps.registry, () => unmapped().length);

  const rollups = new RollupRefresher({
    db,
    schema,
    backend: await storageBackend(db, schema),
    logger,
    intervalMs: section.rollupRefresh.intervalMs,
    onRefreshed: (_ranges, durationMs) => metrics.rollupsRefreshed(durationMs),
  });
  await rollups.ensureTable();

  // Partitions only ask for the plant once a batch arrives, after this resolved.
  const plant = await PlantFile.open({
    file: section.plantFile,
    db,
    schema,
    logger,
    watch: section.reloadOnChange,
    onChange: (config) => partitions.reconfigure(config),
    onReloaded: () => metrics.reloaded(),
    onReloadFailure: (reason) => metrics.reloadFailed(reason),
  });
  lifecycle.add({ name: 'plant file watch', stop: async () => plant.close() });

  if (section.rollupRefresh.enabled) {
    rollups.start();
    lifecycle.add({ name: 'rollup refresh', stop: () => rollups.stop() });
  }

  const handler = new BatchHandler({
    partitions,
    stateStore,
    rollups: section.rollupRefresh.enabled ? rollups : undefined,
    writer: new HistorianWriter(db, { schema }),
    bus: deps.bus,
    hotState: deps.hotState,
    metrics,
    logger,
    sampleLog: new SampleLog(logger, section.rejectLogIntervalMs),
    maxBatchSamples: section.maxBatchSamples,
  });
  const stopping = new AbortController();
  const started = await deps.bus.subscribe({
    groupId: section.groupId,
    topics: [eventTopics.raw.topic.name],
    maxBatchSize: section.maxBatchSize,
    fromBeginning: section.startFrom === 'earliest',
    // Every record is decoded, also one handled before: its dead-letter write may not have happened before a crash.
    decode: decodeRawBatch,
    handler: (batch, context) => handler.handle(batch, context, stopping.signal),
    onRecordRefused: () => metrics.deadLettered(),
  });
  consumer.subscription = started;
  lifecycle.add({
    name: 'normalization consumer',
    stop: async ({ drainSignal }) => {
      // Past the drain budget a batch in flight stops between its steps; its offset stays uncommitted.
      const abort = (): void => stopping.abort();
      drainSignal.addEventListener('abort', abort, { once: true });
      try {
        await started.close();
      } finally {
        drainSignal.removeEventListener('abort', abort);
      }
    },
  });
  logger.info(
    { groupId: section.groupId, topic: eventTopics.raw.topic.name, plantFile: section.plantFile, schema },
    'normalization started',
  );

  return {
    subscription: started,
    reload: () => plant.reload(),
    plant: () => plant.config,
    unmapped,
    stats: () => sumStats(partitions.normalizers(owned()).map((normalizer) => normalizer.stats())),
    isReady: () => started.isReady(),
  };
}

interface BatchHandlerDependencies {
  readonly partitions: PartitionNormalizers;
  readonly stateStore: NormalizerStateStore;
  readonly rollups: RollupRefresher | undefined;
  readonly writer: HistorianWriter;
  readonly bus: EventBus;
  readonly hotState: HotState;
  readonly metrics: NormalizationMetrics;
  readonly logger: Logger;
  readonly sampleLog: SampleLog;
  /** Samples normalized, stored and checkpointed together at most (splitBySamples). */
  readonly maxBatchSamples: number;
}

/** A part normalized and gathered, with the normalizer state right after it, waiting for its effects. */
interface PreparedPart {
  readonly part: DecodedBatch<RawSampleBatch>;
  /** The part's last record: its checkpoint's offset. */
  readonly last: BusRecord;
  readonly results: readonly NormalizeResult[];
  readonly outputs: BatchOutputs;
  readonly snapshot: NormalizerSnapshot;
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

class BatchHandler {
  constructor(private readonly deps: BatchHandlerDependencies) {}

  async handle(
    batch: DecodedBatch<RawSampleBatch>,
    context: BatchContext,
    stopping: AbortSignal,
  ): Promise<void> {
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    if (first === undefined || last === undefined) return;
    const { partitions } = this.deps;
    let entry: PartitionNormalizer;
    try {
      entry = await partitions.acquire(batch);
    } catch (error) {
      throw effectFailure(batchFailure('loading the normalizer state', batch), error);
    }
    try {
      const signal = AbortSignal.any([context.signal, stopping]);
      const handled = (offset: string): boolean => BigInt(offset) <= entry.savedOffset;
      const parts = splitBySamples(batch, this.deps.maxBatchSamples, handled);
      await this.handleParts(parts, entry, signal);
      entry.nextOffset = BigInt(last.offset) + 1n;
    } catch (error) {
      // The normalizer has moved past records whose effects are not all durable: start again from the stored state.
      partitions.forget(batch.partition);
      if (error instanceof InvalidArgumentError || error instanceof StoppedError) throw error;
      throw effectFailure(batchFailure('storing or publishing the batch', batch), error);
    }
  }

  /**
   * The parts in order, each checkpointed on its own (a failure in a later part replays from the last one saved).
   * Part N+1 is normalized while part N's effects are being written: normalizing touches only the in-memory state,
   * and the snapshot saved with part N is taken before part N+1 is normalized, so each checkpoint names the state
   * after exactly its own records. The effects themselves never overlap: part N+1's rows are written only once
   * part N's state is saved.
   */
  private async handleParts(
    parts: readonly DecodedBatch<RawSampleBatch>[],
    entry: PartitionNormalizer,
    signal: AbortSignal,
  ): Promise<void> {
    let writing: Promise<void> | undefined;
    try {
      for (const [index, part] of parts.entries()) {
        // Parts before are durable and checkpointed: a redelivery skips them.
        if (index > 0 && signal.aborted) throw new StoppedError('the consumer is stopping between parts');
        const prepared = this.prepare(part, entry);
        await writing;
        writing = prepared === undefined ? undefined : this.complete(prepared, entry, signal);
        // Awaited above or below; marked handled so that a failure while the next part is normalized is not
        // reported as unhandled before that.
        writing?.catch(() => undefined);
      }
      await writing;
    } catch (error) {
      // A part still being written finishes (or fails) before the batch is given up, so that a retry never runs
      // beside it.
      await writing?.catch(() => undefined);
      throw error;
    }
  }

  /** Normalizes a part and gathers what it produces; undefined when every record was handled before. */
  private prepare(part: DecodedBatch<RawSampleBatch>, entry: PartitionNormalizer): PreparedPart | undefined {
    const last = part.records[part.records.length - 1];
    if (last === undefined) return undefined;
    const results = this.normalize(part, entry);
    if (results.length === 0) return undefined;
    return { part, last, results, outputs: gatherOutputs(results), snapshot: storedSnapshot(entry) };
  }

  private async complete(
    prepared: PreparedPart,
    entry: PartitionNormalizer,
    signal: AbortSignal,
  ): Promise<void> {
    const { part, last, results } = prepared;
    await this.applyEffects(prepared, entry, signal);
    entry.savedOffset = BigInt(last.offset);
    // Counted once the part is durable, so a retried batch is not counted twice.
    for (const result of results) this.observe(result);
    const unmappedSamples = results.reduce((sum, result) => sum + result.stats.unmapped, 0);
    if (unmappedSamples > 0) {
      this.deps.sampleLog.unmapped(part.partition, unmappedSamples, () => entry.normalizer.unmapped().length);
    }
  }

  /** Normalizes the decoded records not handled before (the subscription sent undecodable ones to the DLQ). */
  private normalize(batch: DecodedBatch<RawSampleBatch>, entry: PartitionNormalizer): NormalizeResult[] {
    const results: NormalizeResult[] = [];
    let skipped = 0;
    let newestReceiveUs = 0;
    for (const { record, event: decoded } of batch.events) {
      if (BigInt(record.offset) <= entry.savedOffset) {
        skipped += 1;
        continue;
      }
      results.push(entry.normalizer.process(decoded));
      for (const sample of decoded.samples) newestReceiveUs = Math.max(newestReceiveUs, sample.receiveTimeUs);
    }
    if (skipped > 0) this.deps.metrics.replaySkipped(skipped);
    if (newestReceiveUs > 0) this.deps.metrics.lag(Math.max(0, Date.now() / 1000 - newestReceiveUs / 1e6));
    return results;
  }

  private observe(result: NormalizeResult): void {
    const { metrics, sampleLog } = this.deps;
    metrics.batchStats(result.stats);
    for (const rejected of result.rejected) {
      const category = rejectCategory(rejected.reason);
      metrics.rejected(category);
      sampleLog.rejected(rejected, category);
    }
    for (const event of result.counterEvents) {
      if (event.kind !== 'reset') continue;
      metrics.counterReset();
      sampleLog.counterReset(event);
    }
  }

  // Order matters: rows first (idempotent), then events (at-least-once downstream), then hot state, then the
  // normalizer state with the offset. A crash before the last step replays the batch from the old state and
  // produces the same rows and events again; after it, the redelivered records are skipped.
  private async applyEffects(
    prepared: PreparedPart,
    entry: PartitionNormalizer,
    signal: AbortSignal,
  ): Promise<void> {
    const { part, last, outputs, snapshot } = prepared;
    const checkpoint = (): void => {
      if (signal.aborted) throw new StoppedError('the consumer is stopping; the batch stays uncommitted');
    };
    await this.writeRows(outputs);
    checkpoint();
    await this.publish(outputs);
    checkpoint();
    await this.updateHotState(outputs);
    checkpoint();
    await this.deps.stateStore.save(
      part.partition,
      { lastOffset: BigInt(last.offset), logEpoch: entry.logId, lastRecordDigest: recordDigest(last) },
      snapshot,
    );
    this.deps.metrics.published(outputs.machineStateEvents.length, outputs.countDeltas);
  }

  private async writeRows(outputs: BatchOutputs): Promise<void> {
    const { writer, rollups } = this.deps;
    const telemetry = await this.timed('telemetry', () => writer.writeTelemetryBatches(outputs.telemetry));
    await this.timed('machine_states', () => writer.writeMachineStateEvents(outputs.machineStateEvents));
    await this.timed('production_counts', () => writer.writeProductionCountBatches(outputs.productionCounts));
    if (rollups !== undefined && telemetry.fromUs !== undefined && telemetry.toUs !== undefined) {
      await rollups.note({ fromUs: telemetry.fromUs, toUs: telemetry.toUs });
    }
  }

  private async timed<R extends { received: number; inserted: number }>(
    table: HistorianTable,
    write: () => Promise<R>,
  ): Promise<R> {
    const started = Date.now();
    const result = await write();
    if (result.received > 0) {
      this.deps.metrics.written(table, result.received, result.inserted, Date.now() - started);
    }
    return result;
  }

  private async publish(outputs: BatchOutputs): Promise<void> {
    await Promise.all([
      this.publishAll(eventTopics.telemetry, outputs.telemetry),
      this.publishAll(eventTopics.machineState, outputs.machineStateEvents),
      this.publishAll(eventTopics.productionCount, outputs.productionCounts),
    ]);
  }

  private async publishAll<T>(topic: EventTopic<T>, values: readonly T[]): Promise<void> {
    if (values.length === 0) return;
    await this.deps.bus.publish(
      topic.topic.name,
      values.map((value) => encodeEvent(topic, value)),
    );
  }

  private async updateHotState(outputs: BatchOutputs): Promise<void> {
    const { hotState } = this.deps;
    await Promise.all([
      outputs.lastValues.length > 0 ? hotState.setLastValues(outputs.lastValues) : undefined,
      ...outputs.assetStates.map((state) => hotState.setAssetState(state)),
    ]);
  }
}

/** Unmapped tags kept across restarts at most (the most recently seen); the rest are listed until a restart. */
const MAX_STORED_UNMAPPED = 500;

// The snapshot is written after every batch: a flood of unmapped tags must not make that write large.
function storedSnapshot(entry: PartitionNormalizer): NormalizerSnapshot {
  const snapshot = entry.normalizer.snapshot();
  if (snapshot.unmapped.length <= MAX_STORED_UNMAPPED) return snapshot;
  const recent = [...snapshot.unmapped].sort((a, b) => b.lastSeenUs - a.lastSeenUs);
  return { ...snapshot, unmapped: recent.slice(0, MAX_STORED_UNMAPPED) };
}

function batchFailure(what: string, batch: RecordBatch): string {
  return `${what} failed for ${batch.topic}[${batch.partition}] at offset ${batch.records[0]?.offset ?? '?'}`;
}

function sumStats(all: readonly NormalizerStats[]): NormalizerStats {
  const total = emptyStats();
  for (const stats of all) {
    for (const key of Object.keys(total) as (keyof NormalizerStats)[]) total[key] += stats[key];
  }
  return total;
}
