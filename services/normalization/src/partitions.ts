// One Normalizer per kiln.raw.v1 partition, its state following the partition: loaded from
// `normalizer_state` when a partition arrives (or comes back after a rebalance, or after a failed batch), kept in
// memory while this instance reads it without a gap. The snapshot is restored whatever log wrote it; the saved
// offset is used to skip redeliveries only where it still names a record of the log read now (replay-guard.ts).
import { InvalidSnapshotError, Normalizer, type PlantConfig } from '@kiln/asset-model';
import type { LogDescription, RecordBatch } from '@kiln/bus';
import type { Logger } from '@kiln/service-kit';
import type { NormalizerStateStore, StoredPartitionState } from '@kiln/timeseries';
import {
  continuity,
  resumeDecision,
  type ContinuityVerdict,
  type CurrentLog,
  type DiscardReason,
} from './replay-guard';

export interface PartitionNormalizer {
  readonly partition: number;
  readonly normalizer: Normalizer;
  /** The log this state reads (`LogDescription.logId`), saved with the offset. */
  readonly logId: string;
  /** Offset of the last record whose effects are all durable (-1: none). Redeliveries up to it are skipped. */
  savedOffset: bigint;
  /** The offset this in-memory state expects next; anything else means another member (or a replay) intervened. */
  nextOffset: bigint;
}

export interface PartitionNormalizersOptions {
  readonly store: NormalizerStateStore;
  readonly plant: () => PlantConfig;
  readonly maxClockSkewMs: number;
  /** The topic read, for logs. */
  readonly topic: string;
  /** The bus's `describeLog` for that topic: asked once per load of a partition. */
  readonly describeLog: (partition: number) => Promise<LogDescription>;
  readonly logger: Logger;
}

const DISCARDED: Record<DiscardReason, string> = {
  'unknown-log': 'saved offset was stored without the log it belongs to; no record is skipped as handled',
  'another-log':
    'saved offset belongs to another log (another Kafka cluster, or an in-process bus before a restart); no record is skipped as handled',
  'beyond-end':
    "saved offset lies beyond the log's end: the log was replaced (new cluster, recreated topic, restored backup); no record is skipped as handled",
  'record-differs':
    'the record at the saved offset is not the one handled there: the log was replaced; no record is skipped as handled',
  'record-missing':
    'the log holds no record at the saved offset: the log was replaced; no record is skipped as handled',
  unprovable:
    'the first batch ends before the saved offset, so the offset cannot be shown to belong to this log (the group offsets were lost or reset); its records are handled again rather than skipped',
};

export class PartitionNormalizers {
  private readonly partitions = new Map<number, PartitionNormalizer>();

  constructor(private readonly options: PartitionNormalizersOptions) {}

  /** The partition's normalizer, in the state that precedes the batch's first record. */
  async acquire(batch: RecordBatch): Promise<PartitionNormalizer> {
    const first = batch.records[0];
    if (first === undefined)
      throw new RangeError(`an empty batch of partition ${batch.partition} has no state`);
    const firstOffset = BigInt(first.offset);
    const known = this.partitions.get(batch.partition);
    if (known !== undefined && known.nextOffset === firstOffset) return known;
    const loaded = await this.load(batch, firstOffset);
    this.partitions.set(batch.partition, loaded);
    return loaded;
  }

  /** Drops the in-memory state (after a failed batch, its effects half done): the next batch reloads it. */
  forget(partition: number): void {
    this.partitions.delete(partition);
  }

  /** Applies a reloaded plant file to every partition, keeping counter baselines and states. */
  reconfigure(config: PlantConfig): void {
    for (const entry of this.partitions.values()) entry.normalizer.reconfigure(config.model, config.mappings);
  }

  /** The normalizers of the given partitions (those this instance owns), or all it holds. */
  normalizers(partitions?: readonly number[]): Normalizer[] {
    const entries = [...this.partitions.values()];
    const owned =
      partitions === undefined ? entries : entries.filter((e) => partitions.includes(e.partition));
    return owned.map((entry) => entry.normalizer);
  }

  private async load(batch: RecordBatch, firstOffset: bigint): Promise<PartitionNormalizer> {
    const { partition } = batch;
    const { model, mappings } = this.options.plant();
    const normalizer = new Normalizer({ model, mappings, maxClockSkewMs: this.options.maxClockSkewMs });
    const [stored, described] = await Promise.all([
      this.options.store.load(partition),
      this.options.describeLog(partition),
    ]);
    const log: CurrentLog = {
      logId: described.logId,
      startOffset: BigInt(described.startOffset),
      endOffset: BigInt(described.endOffset),
    };
    let savedOffset = -1n;
    if (stored !== undefined && this.restore(partition, normalizer, stored.snapshot)) {
      savedOffset = this.handledThrough(batch, stored, log);
    }
    this.options.logger.info(
      { partition, firstOffset: firstOffset.toString(), savedOffset: savedOffset.toString() },
      stored === undefined ? 'partition normalizer created' : 'partition normalizer restored',
    );
    return { partition, normalizer, logId: log.logId, savedOffset, nextOffset: firstOffset };
  }

  /** False when the snapshot is unreadable and the normalizer starts fresh. */
  private restore(partition: number, normalizer: Normalizer, snapshot: unknown): boolean {
    try {
      normalizer.restore(snapshot);
      return true;
    } catch (error) {
      if (!(error instanceof InvalidSnapshotError)) throw error;
      // Counter baselines start again from the next readings: one interval of counts per counter is lost.
      this.options.logger.error(
        { partition, err: error },
        'stored normalizer state is unreadable; starting this partition with fresh state',
      );
      return false;
    }
  }

  /**
   * The offset up to which redeliveries are skipped: the saved one where it still names the record handled in the
   * log read now, else -1 (counter baselines and states were restored all the same: new records continue them).
   */
  private handledThrough(batch: RecordBatch, stored: StoredPartitionState, log: CurrentLog): bigint {
    const decision = resumeDecision(
      { lastOffset: stored.lastOffset, logId: stored.logEpoch, lastRecordDigest: stored.lastRecordDigest },
      log,
    );
    const reason =
      decision.kind === 'discard'
        ? decision.reason
        : decision.kind === 'verify'
          ? discardReason(continuity(decision, batch.records))
          : undefined;
    if (reason === undefined) return stored.lastOffset;
    const fields = {
      topic: this.options.topic,
      partition: batch.partition,
      savedOffset: stored.lastOffset.toString(),
      savedLogId: stored.logEpoch ?? null,
      logId: log.logId,
      logStart: log.startOffset.toString(),
      logEnd: log.endOffset.toString(),
      firstOffset: batch.records[0]?.offset,
      reason,
    };
    // An in-process bus starts empty at every restart of `kiln start`: expected, not a warning.
    const expected = reason === 'another-log' && isInProcess(stored.logEpoch) && isInProcess(log.logId);
    if (expected) this.options.logger.info(fields, DISCARDED[reason]);
    else this.options.logger.warn(fields, DISCARDED[reason]);
    return -1n;
  }
}

function discardReason(verdict: ContinuityVerdict): DiscardReason | undefined {
  return verdict.kind === 'discard' ? verdict.reason : undefined;
}

function isInProcess(logId: string | undefined): boolean {
  return logId?.startsWith('in-process:') ?? false;
}
