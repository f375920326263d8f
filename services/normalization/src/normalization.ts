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
  type DecodedBatch,
  type EventBus,
  type RecordBatch,
  type Subscription,
} from '@kiln/bus';
import { encodeEvent, eventTopics, type EventTopic, type RawSampleBatch } from '@kiln/contracts';
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
      const results = this.normalize(batch, entry);
      if (results.length > 0) {
        await this.applyEffects(batch, entry, results, AbortSignal.any([context.signal, stopping]));
        entry.savedOffset = BigInt(last.offset);
        // Counted once the batch is durable, so a retried batch is not counted twice.
        for (const result of results) this.observe(result);
        const unmappedSamples = results.reduce((sum, result) => sum + result.stats.unmapped, 0);
        if (unmappedSamples > 0) {
          this.deps.sampleLog.unmapped(
            batch.partition,
            unmappedSamples,
            () => entry.normalizer.unmapped().length,
          );
        }
      }
      entry.nextOffset = BigInt(last.offset) + 1n;
    } catch (error) {
      // The normalizer has moved past records whose effects are not all durable: start again from the stored state.
      partitions.forget(batch.partition);
      if (error instanceof InvalidArgumentError || error instanceof StoppedError) throw error;
      throw effectFailure(batchFailure('storing or publishing the batch', batch), error);
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
    batch: RecordBatch,
    entry: PartitionNormalizer,
    results: readonly NormalizeResult[],
    signal: AbortSignal,
  ): Promise<void> {
    const outputs = gatherOutputs(results);
    const checkpoint = (): void => {
      if (signal.aborted) throw new StoppedError('the consumer is stopping; the batch stays uncommitted');
    };
    await this.writeRows(outputs);
    checkpoint();
    await this.publish(outputs);
    checkpoint();
    await this.updateHotState(outputs);
    checkpoint();
    const last = batch.records[batch.records.length - 1];
    if (last === undefined) return;
    await this.deps.stateStore.save(
      batch.partition,
      { lastOffset: BigInt(last.offset), logEpoch: entry.logId, lastRecordDigest: recordDigest(last) },
      storedSnapshot(entry),
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
