// One consumer-group member on the in-process bus: a loop per owned partition, commit after each handled batch
// (at-least-once), and a close that drains, then aborts, then hands the partitions on.
import { resolveRetryOptions, runBatch, type BatchOutcome } from '../batch-runner';
import type { BatchConsumer } from '../decode-step';
import type {
  BusLogger,
  BusMetrics,
  OutgoingRecord,
  RecordBatch,
  RetryOptions,
  Subscription,
  SubscriptionSettings,
  TopicPartition,
} from '../types';
import { partitionKey, type ConsumerGroup, type GroupMember } from './consumer-group';
import { handlerScope } from './handler-scope';
import { PartitionWorker, type WorkerHost } from './partition-worker';
import type { TopicLog } from './topic-log';
import { settlesWithin } from './waiting';

export interface InProcessSubscriptionSettings {
  /** The bus, to tell its handlers' publishes from others. */
  bus: object;
  service: string;
  logger: BusLogger;
  metrics: BusMetrics;
  drainTimeoutMs: number;
  topicLog(name: string): TopicLog;
  writeDeadLetters(records: OutgoingRecord[]): Promise<void>;
  onClosed(subscription: InProcessSubscription): void;
}

export const DEFAULT_MAX_BATCH_SIZE = 500;

/** How long close() still waits after aborting, for handlers to notice the abort and return. */
const ABORT_GRACE_MS = 1_000;

export class InProcessSubscription implements Subscription, GroupMember, WorkerHost {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly maxBatchSize: number;
  readonly logger: BusLogger;
  private readonly retry: RetryOptions;
  private readonly abort = new AbortController();
  /** Partitions owned now. */
  private readonly owned = new Map<string, PartitionWorker>();
  /** Loops still running: those owned and those revoked but finishing their batch. */
  private readonly running = new Set<PartitionWorker>();
  private paused = false;
  private leaving = false;
  private closing: Promise<void> | undefined;

  constructor(
    options: SubscriptionSettings,
    private readonly consumer: BatchConsumer,
    private readonly group: ConsumerGroup,
    private readonly settings: InProcessSubscriptionSettings,
  ) {
    this.groupId = options.groupId;
    this.topics = [...new Set(options.topics)];
    this.fromBeginning = options.fromBeginning ?? true;
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.logger = settings.logger;
    this.retry = resolveRetryOptions(options.retry);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const worker of this.running) worker.poke();
  }

  isPaused(): boolean {
    return this.paused;
  }

  assignments(): TopicPartition[] {
    return [...this.owned.values()]
      .map((worker) => ({ topic: worker.topic, partition: worker.partition }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** The group computes assignments as a member joins, so a member is ready from subscribe until close. */
  isReady(): boolean {
    return this.closing === undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  isLeaving(): boolean {
    return this.leaving;
  }

  revokeAllBut(keep: ReadonlySet<string>): void {
    for (const [key, worker] of this.owned) {
      if (keep.has(key)) continue;
      worker.stop();
      this.owned.delete(key);
    }
  }

  assign(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      if (this.owned.has(key)) continue;
      const worker = new PartitionWorker(this.settings.topicLog(topic).partition(partition), this);
      const previousOwner = this.group.handOver(topic, partition, worker);
      this.owned.set(key, worker);
      this.running.add(worker);
      worker.start(previousOwner);
      void worker.finished.then(() => this.running.delete(worker));
    }
  }

  handle(batch: RecordBatch, worker: PartitionWorker): Promise<BatchOutcome> {
    this.settings.metrics.recordsConsumed(batch.topic, this.groupId, batch.records.length);
    const scope = { bus: this.settings.bus, consumes: (topic: string) => this.group.consumes(topic) };
    return handlerScope.run(scope, () =>
      runBatch(batch, {
        service: this.settings.service,
        groupId: this.groupId,
        consumer: this.consumer,
        retry: this.retry,
        logger: this.settings.logger,
        metrics: this.settings.metrics,
        signal: this.abort.signal,
        isActive: () => worker.isActive,
        heartbeat: () => Promise.resolve(),
        writeDeadLetters: this.settings.writeDeadLetters,
      }),
    );
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.group.committedOffset(topic, partition);
  }

  commit(topic: string, partition: number, nextOffset: number): void {
    this.group.commit(topic, partition, nextOffset);
  }

  private async shutdown(): Promise<void> {
    this.leaving = true;
    // The others take the partitions over at once, each starting when this member's loop on it has ended.
    this.group.leave();
    const draining = Promise.all([...this.running].map((worker) => worker.finished));
    if (!(await settlesWithin(draining, this.settings.drainTimeoutMs))) {
      this.settings.logger.warn(
        { groupId: this.groupId, drainTimeoutMs: this.settings.drainTimeoutMs },
        'batch still running at the drain deadline: aborted, its offsets stay uncommitted',
      );
      this.abort.abort();
      if (!(await settlesWithin(draining, ABORT_GRACE_MS))) {
        this.settings.logger.warn(
          {
            groupId: this.groupId,
            partitions: [...this.running].map((w) => partitionKey(w.topic, w.partition)),
          },
          'a handler ignores the abort: its partition goes to the next owner only when the handler returns',
        );
      }
    }
    this.group.remove(this);
    this.settings.onClosed(this);
  }
}
