// One small event-bus interface (EventBus) with a Kafka and an in-process implementation, picked by configuration
// (createBus); no kafkajs type leaves this package (docs/architecture.md section 8).
export {
  noopLogger,
  noopMetrics,
  type BatchContext,
  type BatchHandler,
  type BusLogger,
  type BusMetrics,
  type BusOptions,
  type BusRecord,
  type DecodedBatch,
  type DecodedBatchHandler,
  type DecodedRecord,
  type DecodingSubscribeOptions,
  type EventBus,
  type Headers,
  type LogDescription,
  type OutgoingRecord,
  type RawSubscribeOptions,
  type RecordBatch,
  type RecordDecoder,
  type RetryOptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionSettings,
  type TopicPartition,
} from './types';
export { BusError, classifyFailure, describeError, effectFailure, type FailureClass } from './errors';
export { traceContextOf, withTraceContext } from './tracing';
export { defaultRetryOptions } from './batch-runner';
export {
  KafkaBus,
  kafkaCompressions,
  type KafkaBusOptions,
  type KafkaCompression,
  type KafkaSaslOptions,
} from './kafka';
export { InProcessBus, type InProcessBusOptions } from './in-process';
export { busConfigSchema, busEnvMap, createBus, type BusConfig, type BusDependencies } from './config';
