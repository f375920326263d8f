// One Normalizer per kiln.raw.v1 partition, its state following the partition: loaded from
// `normalizer_state` when a partition arrives (or comes back after a rebalance, or after a failed batch), kept in
// memory while this instance reads it without a gap. The snapshot is restored whatever bus wrote it; the saved
// offset only where it belongs to the log the bus reads now (see `replayGuardOffset`).
import { InvalidSnapshotError, Normalizer, type PlantConfig } from '@kiln/asset-model';
import type { Logger } from '@kiln/service-kit';
import type { HandledPosition, NormalizerStateStore } from './normalizer-state';

export interface PartitionNormalizer {
  readonly partition: number;
  readonly normalizer: Normalizer;
  /** Offset of the last record whose effects are all durable (-1: none). Redeliveries up to it are skipped. */
  savedOffset: bigint;
  /** The offset this in-memory state expects next; anything else means another member (or a replay) intervened. */
  nextOffset: bigint;
}

export interface PartitionNormalizersOptions {
  readonly store: NormalizerStateStore;
  readonly plant: () => PlantConfig;
  readonly maxClockSkewMs: number;
  /** The bus's `logEpoch`: saved offsets of another epoch name records of a log that is gone. */
  readonly logEpoch: string;
  readonly logger: Logger;
}

/**
 * The offset up to which redelivered records are skipped as handled before: the saved one when it was saved
 * under the log epoch the bus has now; otherwise none (undefined). An in-process bus starts again at offset 0
 * after a restart, so its records must not be compared with offsets of the log before; a row with no epoch
 * (written before epochs were kept) cannot say which log it meant and is not trusted either.
 */
export function replayGuardOffset(saved: HandledPosition, logEpoch: string): bigint | undefined {
  return saved.logEpoch === logEpoch ? saved.lastOffset : undefined;
}

export class PartitionNormalizers {
  private readonly partitions = new Map<number, PartitionNormalizer>();

  constructor(private readonly options: PartitionNormalizersOptions) {}

  /** The partition's normalizer, in the state that precedes `firstOffset`. */
  async acquire(partition: number, firstOffset: bigint): Promise<PartitionNormalizer> {
    const known = this.partitions.get(partition);
    if (known !== undefined && known.nextOffset === firstOffset) return known;
    const loaded = await this.load(partition, firstOffset);
    this.partitions.set(partition, loaded);
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

  private async load(partition: number, firstOffset: bigint): Promise<PartitionNormalizer> {
    const { model, mappings } = this.options.plant();
    const normalizer = new Normalizer({ model, mappings, maxClockSkewMs: this.options.maxClockSkewMs });
    const stored = await this.options.store.load(partition);
    let savedOffset = -1n;
    if (stored !== undefined && this.restore(partition, normalizer, stored.snapshot)) {
      savedOffset = this.handledThrough(partition, stored);
    }
    this.options.logger.info(
      { partition, firstOffset: firstOffset.toString(), savedOffset: savedOffset.toString() },
      stored === undefined ? 'partition normalizer created' : 'partition normalizer restored',
    );
    return { partition, normalizer, savedOffset, nextOffset: firstOffset };
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

  /** The offset up to which redeliveries are skipped, -1 when the saved one is of another log. */
  private handledThrough(partition: number, stored: HandledPosition): bigint {
    const guarded = replayGuardOffset(stored, this.options.logEpoch);
    if (guarded !== undefined) return guarded;
    // Counter baselines and states were restored: the new log's records continue from them.
    this.options.logger.info(
      {
        partition,
        storedOffset: stored.lastOffset.toString(),
        storedLogEpoch: stored.logEpoch ?? null,
        logEpoch: this.options.logEpoch,
      },
      'saved offset belongs to another bus log (an in-process bus starts empty); no record is skipped as handled',
    );
    return -1n;
  }
}
