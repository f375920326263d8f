// The event bus: one small interface with a Kafka and an in-process implementation (docs/architecture.md sections 2-3).
// Services depend on this interface only; the composition root picks the implementation from configuration.
import type { TopicSpec } from '@kiln/contracts';

export type Headers = Record<string, string>;

/** A record to publish. */
export interface OutgoingRecord {
  key: string;
  value: Uint8Array;
  headers?: Headers;
  /** Epoch milliseconds; defaults to the time of publishing. */
  timestamp?: number;
}

/** A record as a consumer receives it. */
export interface BusRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  readonly offset: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Headers;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** Records of one partition, in offset order. */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly BusRecord[];
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface BatchContext {
  /** Aborted when the subscription closes past its drain deadline; a long handler should stop and throw. */
  readonly signal: AbortSignal;
  /**
   * Sends a record this handler cannot process (it breaks a rule only the handler can see; the decoder refuses
   * the others) to the dead-letter topic, unchanged, with headers naming source and error. The rest of the batch
   * counts as handled.
   */
  deadLetter(record: BusRecord, error: unknown): void;
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
}

/**
 * Handles one batch of one partition. It resolves when the batch's effects are durable; only then is the
 * batch's offset committed (at-least-once). Throwing retries the batch: see `TransientError` (@kiln/contracts)
 * and the retry options for what happens after.
 */
export type BatchHandler = (batch: RecordBatch, context: BatchContext) => Promise<void>;

/**
 * A subscription's decode step for one record: the event its handler works on, or undefined for a record the
 * consumer does not read (a window kind it ignores). Pure: it reads the record and nothing else, so it can run
 * again on every retry. It throws a `PermanentError` of @kiln/contracts (`RuleError`, `EventDecodeError`) for a
 * record that can never be processed: the bus dead-letters that record at once, without retrying the batch, and
 * hands the rest of the batch on. Any other error fails the batch as a handler's would (docs/events.md).
 */
export type RecordDecoder<T> = (record: BusRecord) => T | undefined;

/** A record the decoder read: the record as it came (offset, key, headers) and the event it holds. */
export interface DecodedRecord<T> {
  readonly record: BusRecord;
  readonly event: T;
}

/**
 * A batch after the decode step: every record of it, in offset order (the refused and skipped ones too: offsets
 * are the handler's to reason about), and the events of the records the decoder read, in the same order.
 */
export interface DecodedBatch<T> extends RecordBatch {
  readonly events: readonly DecodedRecord<T>[];
}

/** Handles the decoded events of one batch; resolves, throws and commits as a {@link BatchHandler}. */
export type DecodedBatchHandler<T> = (batch: DecodedBatch<T>, context: BatchContext) => Promise<void>;

export interface RetryOptions {
  /** Attempts of a failing batch before its records are tried one by one and failures dead-lettered. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts of each single record once a batch is being isolated. */
  isolationAttempts: number;
}

/** What every subscription is told, whatever it hands its handler. */
export interface SubscriptionSettings {
  groupId: string;
  topics: readonly string[];
  /** The largest batch handed to the handler (default 500 records). */
  maxBatchSize?: number;
  /** Where a group without committed offsets starts: the earliest record (default) or only new ones. */
  fromBeginning?: boolean;
  retry?: Partial<RetryOptions>;
}

/**
 * A consumer of events: the bus decodes each record with `decode` before the handler sees the batch, and
 * dead-letters a record the decoder refuses (docs/events.md, "Subscribing"). Every service consumes this way.
 */
export interface DecodingSubscribeOptions<T> extends SubscriptionSettings {
  decode: RecordDecoder<T>;
  handler: DecodedBatchHandler<T>;
  /**
   * Told of each record the decoder refused, once its copy is in the dead-letter topic (a service's own
   * counter); a record the handler fails on later is counted by the bus's metrics only.
   */
  onRecordRefused?: (record: BusRecord, error: unknown) => void;
}

/** A reader of records as bytes, which holds no events of its topics (a test reading a topic back). */
export interface RawSubscribeOptions extends SubscriptionSettings {
  decode?: undefined;
  handler: BatchHandler;
}

/** Either form; what an implementation of {@link EventBus.subscribe} takes. */
export type SubscribeOptions<T = unknown> = DecodingSubscribeOptions<T> | RawSubscribeOptions;

export interface Subscription {
  readonly groupId: string;
  /** Stops fetching for back-pressure; the batch in flight finishes. */
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  /** The partitions this member owns now. */
  assignments(): TopicPartition[];
  /**
   * True once this member has joined its group and knows where it starts reading, so that records published
   * from now on reach it even when it starts at the latest offset (it may own no partition when the group is
   * larger).
   */
  isReady(): boolean;
  /**
   * Leaves the group: stops fetching, lets the batch in flight finish and commit within the drain deadline,
   * then aborts it without committing. Never commits half a batch.
   */
  close(): Promise<void>;
}

/** Where one partition's log stands, and which log it is (see {@link EventBus.describeLog}). */
export interface LogDescription {
  /**
   * Names the log: an offset read under one id names nothing under another. Kafka: `kafka:<cluster id>`, so a new
   * cluster, or a broker whose data was replaced, is another log; in-process: the bus instance, which starts empty
   * at offset 0. A topic deleted and created again in the same cluster keeps the id (kafkajs reads no topic ids):
   * a consumer that keeps offsets also compares the record found at its offset with the one it handled.
   */
  readonly logId: string;
  /** The oldest offset the log still holds (records below it were removed by retention); a decimal string. */
  readonly startOffset: string;
  /** The offset the next record will get (Kafka's high watermark): no record exists at or above it. */
  readonly endOffset: string;
}

export interface EventBus {
  readonly kind: 'kafka' | 'in-process';
  /**
   * Which log a partition's offsets belong to and how far it reaches now, for whoever keeps offsets beside its own
   * state (to skip redeliveries) and must know whether they still name the records it handled. Meant to be asked
   * once per partition assignment, not per record (Kafka: one metadata and two list-offsets requests).
   */
  describeLog(topic: string, partition: number): Promise<LogDescription>;
  /** Creates the topics that do not exist yet (partitions, retention, cleanup policy). */
  provision(topics: readonly TopicSpec[]): Promise<void>;
  /** Publishes records; resolves when the bus has them durably (acks from all in-sync replicas). */
  publish(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Joins the consumer group and hands the handler batches of the topics' records decoded by `decode`; the
   * records the decoder refuses go to the dead-letter topic at once (see {@link DecodingSubscribeOptions}).
   */
  subscribe<T>(options: DecodingSubscribeOptions<T>): Promise<Subscription>;
  /** Joins the consumer group and hands the handler the topics' records as bytes. */
  subscribe(options: RawSubscribeOptions): Promise<Subscription>;
  /**
   * Either form, for a wrapper that passes options on. Kept apart from the first: given the union, TypeScript no
   * longer infers T from an inline decoder and leaves the handler's batch untyped.
   */
  // eslint-disable-next-line @typescript-eslint/unified-signatures
  subscribe<T>(options: SubscribeOptions<T>): Promise<Subscription>;
  /** Resolves when the bus is reachable; for readiness checks. */
  ping(): Promise<void>;
  /** Closes every subscription (see {@link Subscription.close}) and then the producer. */
  close(): Promise<void>;
}

/** Structured logger; pino's Logger fits. */
export interface BusLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Counters a service may export as metrics. */
export interface BusMetrics {
  recordsPublished(topic: string, count: number): void;
  recordsConsumed(topic: string, groupId: string, count: number): void;
  batchHandled(topic: string, groupId: string, records: number, durationMs: number): void;
  handlerFailed(topic: string, groupId: string): void;
  deadLettered(topic: string, groupId: string, count: number): void;
}

export const noopLogger: BusLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const noopMetrics: BusMetrics = {
  recordsPublished: () => undefined,
  recordsConsumed: () => undefined,
  batchHandled: () => undefined,
  handlerFailed: () => undefined,
  deadLettered: () => undefined,
};

/** What both implementations take besides their own connection settings. */
export interface BusOptions {
  /** The service name written into dead-letter headers and logs. */
  service: string;
  logger?: BusLogger;
  metrics?: BusMetrics;
  /** How long close() lets a batch in flight finish before aborting it (default 8 s, inside a 10 s SIGTERM budget). */
  drainTimeoutMs?: number;
}
