// The event bus inside one process (`npm start`): the same contract as Kafka (docs/architecture.md sections 2-3) with
// partitioned, offset-addressed logs in memory, consumer groups, at-least-once commits and bounded memory.
import { randomUUID } from 'node:crypto';
import { PermanentError, topics as catalogue, type TopicSpec } from '@kiln/contracts';
import { batchConsumerOf } from '../decode-step';
import { BusError } from '../errors';
import { withTraceContext } from '../tracing';
import {
  noopLogger,
  noopMetrics,
  type BusLogger,
  type BusMetrics,
  type EventBus,
  type LogDescription,
  type OutgoingRecord,
  type SubscribeOptions,
  type Subscription,
} from '../types';
import { ConsumerGroup } from './consumer-group';
import { handlerScope } from './handler-scope';
import { inProcessDefaults, type InProcessBusOptions } from './options';
import { storedRecordBytes, type NewRecord, type WaitPolicy } from './partition-log';
import { InProcessSubscription } from './in-process-subscription';
import { TopicLog } from './topic-log';
import { nextTurn } from './waiting';

/** The state of one partition, for tests, diagnostics and lag metrics. */
export interface InProcessPartitionStats {
  partition: number;
  startOffset: number;
  endOffset: number;
  bufferedBytes: number;
  droppedRecords: number;
  waitingPublishes: number;
}

export class InProcessBus implements EventBus {
  readonly kind = 'in-process' as const;
  /**
   * The logs live in this instance's memory and start again at offset 0 with the next instance (a process
   * restart): offsets stored elsewhere under an earlier instance's log id name records that no longer exist.
   */
  private readonly logId = `in-process:${randomUUID()}`;
  private readonly logger: BusLogger;
  private readonly metrics: BusMetrics;
  private readonly maxBufferedBytesPerPartition: number;
  private readonly handlerPublishMaxWaitMs: number;
  private readonly maxRecordBytes: number;
  private readonly topicLogs = new Map<string, TopicLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions = new Set<InProcessSubscription>();
  private readonly commitWaiters = new Set<CommitWaiter>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;

  constructor(private readonly options: InProcessBusOptions) {
    this.logger = options.logger ?? noopLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.maxBufferedBytesPerPartition = positive(
      'maxBufferedBytesPerPartition',
      options.maxBufferedBytesPerPartition ?? inProcessDefaults.maxBufferedBytesPerPartition,
    );
    this.handlerPublishMaxWaitMs = positive(
      'handlerPublishMaxWaitMs',
      options.handlerPublishMaxWaitMs ?? inProcessDefaults.handlerPublishMaxWaitMs,
    );
    this.maxRecordBytes = positive(
      'maxRecordBytes',
      options.maxRecordBytes ?? inProcessDefaults.maxRecordBytes,
    );
  }

  async provision(specs: readonly TopicSpec[]): Promise<void> {
    const created = specs.filter((spec) => this.createTopic(spec));
    if (created.length > 0) this.logger.info({ topics: created.map((spec) => spec.name) }, 'topics created');
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (this.state === 'closed') throw new BusError(`cannot publish to ${topic}: the bus is closed`);
    const log = this.topicLog(topic);
    if (records.length === 0) return;
    // Every record is checked and copied before the first is appended: a refused publish appends nothing.
    const copies = records.map((record) => this.copy(topic, record));
    const policy = this.waitPolicy(topic);
    for (const record of copies) {
      const waiting = log.partitionOf(record.key).append(record, policy);
      if (waiting !== undefined) await waiting;
    }
    this.metrics.recordsPublished(topic, copies.length);
    await nextTurn();
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.state !== 'open') throw new BusError(`cannot subscribe ${options.groupId}: the bus is closed`);
    if (options.topics.length === 0)
      throw new BusError(`cannot subscribe ${options.groupId}: no topics given`);
    const maxBatchSize = options.maxBatchSize;
    if (maxBatchSize !== undefined && !(Number.isInteger(maxBatchSize) && maxBatchSize >= 1)) {
      throw new BusError(
        `maxBatchSize of ${options.groupId} must be a whole number >= 1, got ${maxBatchSize}`,
      );
    }
    for (const topic of options.topics) this.topicLog(topic, `subscribe ${options.groupId} to`);
    let group = this.groups.get(options.groupId);
    if (group === undefined) {
      group = new ConsumerGroup(
        options.groupId,
        (name) => this.topicLog(name),
        () => this.offsetsChanged(),
      );
      this.groups.set(options.groupId, group);
    }
    const subscription = new InProcessSubscription(options, batchConsumerOf(options), group, {
      bus: this,
      service: this.options.service,
      logger: this.logger,
      metrics: this.metrics,
      drainTimeoutMs: this.options.drainTimeoutMs ?? inProcessDefaults.drainTimeoutMs,
      topicLog: (name) => this.topicLog(name),
      writeDeadLetters: (deadLetters) => this.writeDeadLetters(deadLetters),
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    group.join(subscription);
    this.logger.info(
      { groupId: options.groupId, topics: subscription.topics, assigned: subscription.assignments().length },
      'joined consumer group',
    );
    return subscription;
  }

  async describeLog(topic: string, partition: number): Promise<LogDescription> {
    const log = this.topicLog(topic, 'describe the log of').partitions[partition];
    if (log === undefined) {
      throw new BusError(
        `cannot describe the log of ${topic}[${partition}]: the topic has no such partition`,
      );
    }
    return { logId: this.logId, startOffset: String(log.startOffset), endOffset: String(log.endOffset) };
  }

  async ping(): Promise<void> {
    if (this.state !== 'open') throw new BusError('the in-process bus is closed');
  }

  /**
   * Closes every subscription (each drains, then aborts). Publishes still go through while they drain, without
   * back-pressure, so a batch in flight can finish; afterwards publish throws.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Resolves once consumer group `groupId` has committed every record published to `topic` before this call. On
   * this bus a published record lives in memory only; once the group committed it, its effect is durable (the
   * group commits after its effects are). A publisher that keeps its own copy until then (ingestion's
   * store-and-forward buffer under `npm start`) loses nothing in a crash. Kafka needs no such wait: its publish
   * resolves once the brokers have the records durably. Rejects when `signal` aborts or the bus closes first.
   */
  committedBy(groupId: string, topic: string, signal?: AbortSignal): Promise<void> {
    const log = this.topicLog(topic, 'wait for commits on');
    const marks = log.partitions.map((partition) => partition.endOffset);
    const passed = (): boolean => {
      const group = this.groups.get(groupId);
      return (
        group !== undefined &&
        marks.every((end, partition) => (group.committedOffset(topic, partition) ?? -1) >= end)
      );
    };
    if (passed()) return Promise.resolve();
    if (this.state === 'closed' || signal?.aborted) {
      return Promise.reject(new BusError(`stopped waiting for ${groupId} to commit ${topic}`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: CommitWaiter = {
        settleIfPassed: () => {
          if (!passed()) return;
          done();
          resolve();
        },
        fail: (reason) => {
          done();
          reject(new BusError(`stopped waiting for ${groupId} to commit ${topic}: ${reason}`));
        },
      };
      const onAbort = (): void => waiter.fail('the wait was aborted');
      const done = (): void => {
        this.commitWaiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      this.commitWaiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Offsets and buffered bytes of a topic's partitions. */
  partitionStats(topic: string): InProcessPartitionStats[] {
    return this.topicLog(topic, 'describe').partitions.map((log) => ({
      partition: log.partition,
      startOffset: log.startOffset,
      endOffset: log.endOffset,
      bufferedBytes: log.bufferedBytes,
      droppedRecords: log.droppedRecords,
      waitingPublishes: log.waitingPublishes,
    }));
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    for (const log of this.topicLogs.values())
      for (const partition of log.partitions) partition.releaseWaiting();
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    this.state = 'closed';
    this.offsetsChanged();
    for (const waiter of [...this.commitWaiters]) waiter.fail('the bus closed');
    for (const log of this.topicLogs.values()) for (const partition of log.partitions) partition.close();
  }

  private offsetsChanged(): void {
    for (const waiter of [...this.commitWaiters]) waiter.settleIfPassed();
  }

  /** True when the topic was created; an existing one is kept as it is. */
  private createTopic(spec: TopicSpec): boolean {
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new BusError(
        `topic ${spec.name} needs a whole number of partitions >= 1, got ${spec.partitions}`,
      );
    }
    const existing = this.topicLogs.get(spec.name);
    if (existing !== undefined) {
      if (existing.partitions.length !== spec.partitions) {
        // As on Kafka: changing the count would move keys to other partitions and break per-asset order.
        this.logger.warn(
          { topic: spec.name, actual: existing.partitions.length, expected: spec.partitions },
          'topic exists with another partition count than the catalogue; left as it is',
        );
      }
      return false;
    }
    this.topicLogs.set(
      spec.name,
      new TopicLog(spec, {
        maxBufferedBytesPerPartition: this.maxBufferedBytesPerPartition,
        logger: this.logger,
      }),
    );
    return true;
  }

  private topicLog(name: string, action = 'publish to'): TopicLog {
    const log = this.topicLogs.get(name);
    if (log === undefined) {
      throw new BusError(
        `cannot ${action} ${name}: the topic does not exist; provision it first (bus.provision)`,
      );
    }
    return log;
  }

  private writeDeadLetters(records: OutgoingRecord[]): Promise<void> {
    this.createTopic(catalogue.dlq);
    return this.publish(catalogue.dlq.name, records);
  }

  /**
   * Whom a publish may wait for. Never the dead-letter topic (a DLQ write never blocks a partition for long);
   * never, from inside a handler, a topic the handler's own group reads (it would wait for its own commit);
   * from inside a handler, other topics only for a while; not at all while the bus closes.
   */
  private waitPolicy(topic: string): WaitPolicy {
    if (this.state !== 'open' || topic === catalogue.dlq.name) return 'never';
    const scope = handlerScope.getStore();
    if (scope === undefined || scope.bus !== this) return 'wait';
    if (scope.consumes(topic)) return 'never';
    return { maxWaitMs: this.handlerPublishMaxWaitMs };
  }

  private copy(topic: string, record: OutgoingRecord): NewRecord {
    const headers = withTraceContext(record.headers);
    // The log keeps its own copy: a caller may reuse its buffer once publish resolves.
    const value = Buffer.from(record.value);
    const bytes = storedRecordBytes(record.key, value, headers);
    if (bytes > this.maxRecordBytes) {
      // The record itself can never go through: permanent (classifyFailure), unlike a bus that is away.
      throw new PermanentError(
        `record for ${topic} with key '${record.key}' is ${bytes} bytes, over the ${this.maxRecordBytes}-byte limit: ` +
          'split the batch into smaller messages',
      );
    }
    return { key: record.key, value, headers, timestamp: record.timestamp ?? Date.now(), bytes };
  }
}

interface CommitWaiter {
  settleIfPassed(): void;
  fail(reason: string): void;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new BusError(`in-process bus option ${name} must be a number > 0, got ${value}`);
  }
  return value;
}
