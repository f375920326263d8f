// The event bus on Apache Kafka through kafkajs. No kafkajs type leaves this folder (docs/architecture.md section 8),
// so a maintained client can replace it without touching a service.
import { topics as catalogue, type TopicSpec } from '@kiln/contracts';
import { Kafka, logLevel, Partitioners, type Admin, type Producer, type SASLOptions } from 'kafkajs';
import { sleep } from '../batch-runner';
import { batchConsumerOf } from '../decode-step';
import { BusError, classifyFailure, describeError } from '../errors';
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
import { KafkaSubscription } from './kafka-subscription';
import { compressionType, registerKafkaCodecs } from './codecs';
import { kafkaLogCreator } from './log-bridge';
import { kafkaDefaults, type KafkaBusOptions, type KafkaSaslOptions } from './options';
import { chunkBySize } from './publish-chunks';

const PUBLISH_RETRY_MAX_DELAY_MS = 5_000;

export class KafkaBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly logger: BusLogger;
  private readonly metrics: BusMetrics;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private admin: Admin | undefined;
  private producerConnected: Promise<void> | undefined;
  private closed = false;
  /** Aborted by close(): a publish waiting through an outage gives up at once. */
  private readonly closing = new AbortController();

  constructor(private readonly options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new BusError('kafka bus needs at least one broker address');
    registerKafkaCodecs();
    this.logger = options.logger ?? noopLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ssl: options.ssl ?? false,
      ...(options.sasl ? { sasl: toSasl(options.sasl) } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? kafkaDefaults.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? kafkaDefaults.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger),
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      // An idempotent producer keeps order with one request in flight per broker connection.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async provision(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: this.options.replicationFactor ?? kafkaDefaults.replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
          ],
        })),
      });
      this.logger.info({ topics: missing.map((spec) => spec.name) }, 'topics created');
    }
    await this.warnOnPartitionMismatch(
      admin,
      specs.filter((spec) => existing.has(spec.name)),
    );
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new BusError(`cannot publish to ${topic}: the bus is closed`);
    if (records.length === 0) return;
    await this.connectedProducer();
    const maxBytes = this.options.maxRequestBytes ?? kafkaDefaults.maxRequestBytes;
    const compression = compressionType(this.options.compression ?? kafkaDefaults.compression);
    for (const chunk of chunkBySize(topic, records, maxBytes)) {
      const messages = chunk.map((record) => ({
        key: record.key,
        value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
        headers: withTraceContext(record.headers),
        timestamp: String(record.timestamp ?? Date.now()),
      }));
      await this.sendThroughOutages(topic, messages.length, () =>
        this.producer.send({ topic, acks: -1, compression, messages }),
      );
      this.metrics.recordsPublished(topic, chunk.length);
    }
  }

  /**
   * kafkajs retries a send for about half a minute; a broker restart or a leader election can take longer. A send
   * that failed for a reason of the world (classifyFailure: transient) is tried again with capped backoff until
   * `publishRetryWindowMs` has passed since the first failure, then the error goes to the caller (whose own retry,
   * the batch runner's or the store-and-forward buffer's, takes over). At least once: a send whose answer was lost
   * may be stored twice; consumers are idempotent (docs/architecture.md section 3).
   */
  private async sendThroughOutages(
    topic: string,
    count: number,
    send: () => Promise<unknown>,
  ): Promise<void> {
    const windowMs = this.options.publishRetryWindowMs ?? kafkaDefaults.publishRetryWindowMs;
    let firstFailureAt: number | undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await send();
        if (attempt > 1) {
          this.logger.info(
            { topic, records: count, attempts: attempt },
            'publish went through after the outage',
          );
        }
        return;
      } catch (error) {
        firstFailureAt ??= Date.now();
        const retry =
          !this.closed && classifyFailure(error) === 'transient' && Date.now() - firstFailureAt < windowMs;
        if (!retry) {
          throw new BusError(`publishing ${count} records to ${topic} failed: ${describeError(error)}`, {
            cause: error,
          });
        }
        if (attempt === 1) {
          this.logger.warn(
            { topic, records: count, error: describeError(error), retryWindowMs: windowMs },
            'publish failed: the cluster is unreachable; trying again',
          );
        }
        await sleep(
          Math.min(PUBLISH_RETRY_MAX_DELAY_MS, 500 * 2 ** Math.min(attempt - 1, 10)),
          this.closing.signal,
        );
      }
    }
  }

  async subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription> {
    if (this.closed) throw new BusError(`cannot subscribe ${options.groupId}: the bus is closed`);
    const subscription = new KafkaSubscription(this.kafka, options, batchConsumerOf(options), {
      service: this.options.service,
      logger: this.logger,
      metrics: this.metrics,
      drainTimeoutMs: this.options.drainTimeoutMs ?? kafkaDefaults.drainTimeoutMs,
      partitionsConsumedConcurrently:
        this.options.partitionsConsumedConcurrently ?? kafkaDefaults.partitionsConsumedConcurrently,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? kafkaDefaults.sessionTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? kafkaDefaults.heartbeatIntervalMs,
      maxWaitTimeMs: this.options.maxWaitTimeMs ?? kafkaDefaults.maxWaitTimeMs,
      minBytes: this.options.minBytes ?? kafkaDefaults.minBytes,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? kafkaDefaults.maxBytesPerPartition,
      writeDeadLetters: (records) => this.publish(catalogue.dlq.name, records),
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      throw error;
    }
    return subscription;
  }

  /**
   * The cluster id names the log (asked each time: the brokers behind the same addresses may have been replaced
   * since the last call); kafkajs 2.2.4 speaks Metadata up to v6 and cannot read topic ids (v10+).
   */
  async describeLog(topic: string, partition: number): Promise<LogDescription> {
    const admin = await this.connectedAdmin();
    const [{ clusterId }, offsets] = await Promise.all([
      admin.describeCluster(),
      admin.fetchTopicOffsets(topic),
    ]).catch((error: unknown) => {
      throw new BusError(`cannot describe the log of ${topic}[${partition}]: ${describeError(error)}`, {
        cause: error,
      });
    });
    const found = offsets.find((entry) => entry.partition === partition);
    if (found === undefined) {
      throw new BusError(
        `cannot describe the log of ${topic}[${partition}]: the topic has no such partition`,
      );
    }
    return { logId: `kafka:${clusterId}`, startOffset: found.low, endOffset: found.high };
  }

  async ping(): Promise<void> {
    const admin = await this.connectedAdmin();
    await admin.describeCluster();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    await Promise.allSettled([
      this.producerConnected ? this.producer.disconnect() : Promise.resolve(),
      this.admin?.disconnect(),
    ]);
  }

  private connectedProducer(): Promise<void> {
    this.producerConnected ??= this.producer.connect().catch((error: unknown) => {
      this.producerConnected = undefined;
      throw new BusError(
        `cannot connect to Kafka at ${this.options.brokers.join(',')}: ${describeError(error)}`,
        { cause: error },
      );
    });
    return this.producerConnected;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw new BusError(
        `cannot connect to Kafka at ${this.options.brokers.join(',')}: ${describeError(error)}`,
        { cause: error },
      );
    }
    this.admin = admin;
    return admin;
  }

  private async warnOnPartitionMismatch(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
    for (const topic of metadata.topics) {
      const spec = specs.find((candidate) => candidate.name === topic.name);
      if (spec && topic.partitions.length !== spec.partitions) {
        // Changing the count would move keys to other partitions and break per-asset order: an operator's call.
        this.logger.warn(
          { topic: topic.name, actual: topic.partitions.length, expected: spec.partitions },
          'topic exists with another partition count than the catalogue; left as it is',
        );
      }
    }
  }
}

function toSasl(sasl: KafkaSaslOptions): SASLOptions {
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}
