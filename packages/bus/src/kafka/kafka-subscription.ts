// One consumer-group member on kafkajs: eachBatch with manual offset resolution and commit after the
// handler succeeded (at-least-once), batches cut to maxBatchSize, rebalance- and shutdown-safe.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { resolveRetryOptions, runBatch, withDeadline } from '../batch-runner';
import type { BatchConsumer } from '../decode-step';
import { classifyFailure, describeError } from '../errors';
import type {
  BusLogger,
  BusMetrics,
  BusRecord,
  Headers,
  OutgoingRecord,
  RecordBatch,
  Subscription,
  SubscriptionSettings,
  TopicPartition,
} from '../types';

export interface KafkaSubscriptionSettings {
  service: string;
  logger: BusLogger;
  metrics: BusMetrics;
  drainTimeoutMs: number;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitTimeMs: number;
  minBytes: number;
  maxBytesPerPartition: number;
  writeDeadLetters(records: OutgoingRecord[]): Promise<void>;
  onClosed(subscription: KafkaSubscription): void;
}

const DEFAULT_MAX_BATCH_SIZE = 500;
const RESTART_INITIAL_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;

export class KafkaSubscription implements Subscription {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private assigned: TopicPartition[] = [];
  private joined = false;
  /**
   * Join generations: kafkajs announces GROUP_JOIN before it resolves the member's start offsets (committed, or
   * earliest/latest), which it does at the start of the next fetch. A member is positioned once a fetch begun
   * after the latest join has returned; records published from then on are seen even when starting at latest.
   */
  private generation = 0;
  private positionedGeneration = -1;
  private readonly fetchStartedIn = new Map<number, number>();
  private paused = false;
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Crashes since the member last joined its group: an outage is logged once, not at every restart. */
  private crashesSinceJoin = 0;

  constructor(
    kafka: Kafka,
    private readonly options: SubscriptionSettings,
    private readonly batchConsumer: BatchConsumer,
    private readonly settings: KafkaSubscriptionSettings,
  ) {
    this.groupId = options.groupId;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      minBytes: settings.minBytes,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.crashesSinceJoin > 0) {
        settings.logger.info(
          { groupId: this.groupId, crashes: this.crashesSinceJoin },
          'kafka consumer back in its group after losing the cluster',
        );
        this.crashesSinceJoin = 0;
      }
      this.joined = true;
      this.generation += 1;
      this.assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      settings.logger.info(
        { groupId: this.groupId, assigned: this.assigned.length },
        'joined consumer group',
      );
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.joined = false;
    });
    this.consumer.on(this.consumer.events.FETCH_START, ({ payload }) => {
      this.fetchStartedIn.set(payload.nodeId, this.generation);
    });
    this.consumer.on(this.consumer.events.FETCH, ({ payload }) => {
      const startedIn = this.fetchStartedIn.get(payload.nodeId);
      if (this.joined && startedIn === this.generation) this.positionedGeneration = startedIn;
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      // Not a member until it joins again: readiness must not say otherwise while the consumer is down.
      this.joined = false;
      if (this.closing) return;
      this.crashesSinceJoin += 1;
      if (payload.restart) {
        // kafkajs restarts the consumer itself after a retriable failure (the broker away, a lost coordinator),
        // again and again while the outage lasts: said once, until the member is back in its group.
        const fields = { groupId: this.groupId, error: describeError(payload.error) };
        if (this.crashesSinceJoin === 1)
          settings.logger.warn(fields, 'kafka consumer lost the cluster; kafkajs restarts it');
        else settings.logger.debug(fields, 'kafka consumer restart failed; kafkajs tries again');
        return;
      }
      // kafkajs gives up on an outage that outlasts its retries too: that is still the world's failure, a warning
      // said once per outage; any other crash is an error.
      const fields = { groupId: this.groupId, error: describeError(payload.error) };
      if (classifyFailure(payload.error) !== 'transient') {
        settings.logger.error(fields, 'kafka consumer crashed; restarting it');
      } else if (this.crashesSinceJoin === 1) {
        settings.logger.warn(fields, 'kafka consumer gave up on the cluster; restarting it');
      }
      this.restartAfterCrash();
    });
  }

  /**
   * kafkajs leaves a consumer stopped after a failure it deems not retriable; a service must not stay up without
   * consuming. Runs the consumer again with capped backoff until it starts or the subscription closes.
   */
  private restartAfterCrash(attempt = 0): void {
    const delayMs = Math.min(RESTART_MAX_DELAY_MS, RESTART_INITIAL_DELAY_MS * 2 ** Math.min(attempt, 10));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.start().catch((error: unknown) => {
        this.settings.logger.warn(
          { groupId: this.groupId, error: describeError(error), attempt: attempt + 1 },
          'kafka consumer restart failed; trying again',
        );
        this.restartAfterCrash(attempt + 1);
      });
    }, delayMs);
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.options.topics],
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.track(this.handleFetchedBatch(payload)),
    });
  }

  pause(): void {
    this.paused = true;
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.paused = false;
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  isPaused(): boolean {
    return this.paused;
  }

  assignments(): TopicPartition[] {
    return [...this.assigned];
  }

  isReady(): boolean {
    return this.joined && this.positionedGeneration === this.generation && !this.closing;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    const drained = await this.drain(this.settings.drainTimeoutMs);
    if (!drained) {
      this.settings.logger.warn(
        { groupId: this.groupId, drainTimeoutMs: this.settings.drainTimeoutMs },
        'batch still running at the drain deadline: aborted, its offsets stay uncommitted',
      );
      this.abort.abort();
      await this.drain(1_000);
    }
    try {
      // disconnect() waits for the runner; a handler that ignores the abort must not hold shutdown forever.
      await withDeadline(this.consumer.disconnect(), 2_000);
    } catch (error) {
      this.settings.logger.warn(
        { groupId: this.groupId, error: describeError(error) },
        'consumer disconnect failed',
      );
    }
    this.assigned = [];
    this.joined = false;
    this.settings.onClosed(this);
  }

  private async drain(timeoutMs: number): Promise<boolean> {
    const outcome = await withDeadline(Promise.allSettled([...this.inFlight]), timeoutMs);
    return outcome !== 'timeout' || this.inFlight.size === 0;
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async handleFetchedBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const isActive = (): boolean => !this.closing && isRunning() && !isStale();
    const records = batch.messages.map((message) => toBusRecord(batch.topic, batch.partition, message));
    const maxBatchSize = this.options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.settings.metrics.recordsConsumed(batch.topic, this.groupId, records.length);
    for (let start = 0; start < records.length; start += maxBatchSize) {
      if (!isActive()) return;
      const chunk: RecordBatch = {
        topic: batch.topic,
        partition: batch.partition,
        records: records.slice(start, start + maxBatchSize),
      };
      const outcome = await this.keepingAlive(heartbeat, () =>
        runBatch(chunk, {
          service: this.settings.service,
          groupId: this.groupId,
          consumer: this.batchConsumer,
          retry: resolveRetryOptions(this.options.retry),
          logger: this.settings.logger,
          metrics: this.settings.metrics,
          signal: this.abort.signal,
          isActive,
          heartbeat,
          writeDeadLetters: this.settings.writeDeadLetters,
        }),
      );
      if (outcome === 'abandoned') return;
      const last = chunk.records[chunk.records.length - 1];
      if (last === undefined) continue;
      if (!(await this.commit(batch.topic, batch.partition, last.offset))) return;
      resolveOffset(last.offset);
      await heartbeat().catch(() => undefined);
    }
  }

  /**
   * kafkajs heartbeats only between fetches: a batch that runs past the session timeout (a database outage
   * retried, a slow box) would cost the member its partitions. Heartbeats while it runs; kafkajs sends one at most
   * every heartbeat interval, and a refused one (a rebalance) surfaces when the batch commits.
   */
  private async keepingAlive<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, this.settings.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Commits the offset after `lastOffset`; false when the group moved on and the partition is no longer ours. */
  private async commit(topic: string, partition: number, lastOffset: string): Promise<boolean> {
    const next = (BigInt(lastOffset) + 1n).toString();
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
      return true;
    } catch (error) {
      this.settings.logger.warn(
        { topic, partition, offset: next, groupId: this.groupId, error: describeError(error) },
        'offset commit refused (rebalance); the batch will be delivered again',
      );
      return false;
    }
  }
}

function toBusRecord(topic: string, partition: number, message: KafkaMessage): BusRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? new Uint8Array(0),
    headers: toHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function toHeaders(raw: KafkaMessage['headers']): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map((v) => v.toString()).join(',') : value.toString();
  }
  return headers;
}
