// One member's loop over one partition: batches strictly in order, one at a time, commit after each handled
// batch. It sleeps on the log's next append instead of polling.
import type { BatchOutcome } from '../batch-runner';
import type { BusLogger, BusRecord, RecordBatch } from '../types';
import type { PartitionLog, StoredRecord } from './partition-log';
import { nextTurn } from './waiting';

/** What a worker needs from the member that runs it. */
export interface WorkerHost {
  readonly groupId: string;
  readonly maxBatchSize: number;
  readonly logger: BusLogger;
  /** Aborted past the drain deadline: the batch in flight is then not committed. */
  readonly signal: AbortSignal;
  isPaused(): boolean;
  handle(batch: RecordBatch, worker: PartitionWorker): Promise<BatchOutcome>;
  committedOffset(topic: string, partition: number): number | undefined;
  commit(topic: string, partition: number, nextOffset: number): void;
}

export class PartitionWorker {
  private running = true;
  private wake: (() => void) | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: PartitionLog,
    private readonly host: WorkerHost,
  ) {}

  get topic(): string {
    return this.log.topic;
  }

  get partition(): number {
    return this.log.partition;
  }

  /** Settles when the loop has ended: no batch of this partition runs on this worker any more. */
  get finished(): Promise<void> {
    return this.done;
  }

  /** False once the partition was revoked: a failing batch is then abandoned rather than retried. */
  get isActive(): boolean {
    return this.running;
  }

  /** Starts once the partition's previous owner has finished. */
  start(previousOwner: Promise<void> | undefined): void {
    this.done = this.run(previousOwner).catch((error: unknown) => {
      this.host.logger.error(
        { topic: this.topic, partition: this.partition, groupId: this.host.groupId, error: String(error) },
        'partition loop failed; the partition stays uncommitted from here and is redelivered to its next owner',
      );
    });
  }

  /** Starts no further batch; the one in flight finishes (or is abandoned on its next failure). */
  stop(): void {
    this.running = false;
    this.poke();
  }

  /** Re-checks pause and stop now. */
  poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(previousOwner: Promise<void> | undefined): Promise<void> {
    if (previousOwner !== undefined) await previousOwner;
    while (this.running) {
      if (this.host.isPaused()) {
        await this.sleep(undefined);
        continue;
      }
      const stored = this.log.read(this.position(), this.host.maxBatchSize);
      const last = stored[stored.length - 1];
      if (last === undefined) {
        await this.sleep(this.log);
        continue;
      }
      const batch: RecordBatch = {
        topic: this.topic,
        partition: this.partition,
        records: stored.map((record) => this.toBusRecord(record)),
      };
      const outcome = await this.host.handle(batch, this);
      if (outcome === 'abandoned' || this.host.signal.aborted) return;
      this.host.commit(this.topic, this.partition, last.offset + 1);
      await nextTurn();
    }
  }

  /** The committed offset, or the oldest record held when the log dropped what the group had not read. */
  private position(): number {
    const start = this.log.startOffset;
    const committed = this.host.committedOffset(this.topic, this.partition) ?? start;
    if (committed >= start) return committed;
    this.host.logger.warn(
      {
        topic: this.topic,
        partition: this.partition,
        groupId: this.host.groupId,
        committedOffset: committed,
        startOffset: start,
        lost: start - committed,
      },
      'records were dropped before this group read them (it had no members while the buffer was full); ' +
        'going on from the oldest record held',
    );
    this.host.commit(this.topic, this.partition, start);
    return start;
  }

  /** Waits for a poke, or also for the next append when a log is given. */
  private sleep(log: PartitionLog | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const wakeUp = (): void => {
        cancel?.();
        this.wake = undefined;
        resolve();
      };
      const cancel = log?.onNextAppend(wakeUp);
      this.wake = wakeUp;
    });
  }

  private toBusRecord(record: StoredRecord): BusRecord {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(record.offset),
      key: record.key,
      value: record.value,
      // Each delivery gets its own headers object: groups must not see each other's edits.
      headers: { ...record.headers },
      timestamp: record.timestamp,
    };
  }
}
