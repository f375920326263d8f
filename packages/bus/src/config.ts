// The bus section of a service's configuration, and the factory that turns it into a bus: one definition for
// every service and for `kiln start`, so all of them are configured the same way.
import { z } from 'zod';
import { InProcessBus } from './in-process';
import { KafkaBus } from './kafka';
import { kafkaCompressions } from './kafka/codecs';
import { kafkaDefaults } from './kafka/options';
import type { BusLogger, BusMetrics, EventBus } from './types';

const kafkaConfigSchema = z.strictObject({
  brokers: z
    .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
    .min(1)
    .default(['127.0.0.1:9092']),
  clientId: z.string().min(1).default('kiln'),
  ssl: z.boolean().default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
  /** The producers' codec; every codec is read whatever this says (docs/configuration.md). */
  compression: z.enum(kafkaCompressions).default(kafkaDefaults.compression),
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: z.number().int().min(-1).default(-1),
  /**
   * How long a consumer group waits for a member that stopped answering (kill -9) before handing its partitions
   * on; at least the broker's group.min.session.timeout.ms (6 s by default). Raise it where event-loop stalls
   * make members expire (docs/events.md, consumer group settings).
   */
  sessionTimeoutMs: z.number().int().min(1_000).default(kafkaDefaults.sessionTimeoutMs),
  /** Partitions one member handles at the same time, each still in order (docs/events.md). */
  partitionsConsumedConcurrently: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(kafkaDefaults.partitionsConsumedConcurrently),
  /**
   * A fetch answers once this many bytes wait (or fetchMaxWaitMs passed): larger batches under load, each one
   * database transaction and one offset commit; 1 answers at the first record, for the lowest latency.
   */
  fetchMinBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(kafkaDefaults.minBytes),
  /** The longest a fetch waits for fetchMinBytes: the latency it may add when little comes in. */
  fetchMaxWaitMs: z.number().int().min(1).max(10_000).default(kafkaDefaults.maxWaitTimeMs),
});

const inProcessConfigSchema = z.strictObject({
  /** Unconsumed bytes a partition may hold before publishers wait (back-pressure). */
  maxBufferedBytesPerPartition: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
});

export const busConfigSchema = z.strictObject({
  /** `in-process` runs every service over one in-memory bus (one machine); `kafka` uses the brokers. */
  kind: z.enum(['in-process', 'kafka']).default('in-process'),
  kafka: kafkaConfigSchema.prefault({}),
  inProcess: inProcessConfigSchema.prefault({}),
});

export type BusConfig = z.output<typeof busConfigSchema>;

/** Environment variables (before a service's prefix, e.g. `KILN_`) for the bus section. */
export const busEnvMap = {
  BUS: 'bus.kind',
  KAFKA_BROKERS: 'bus.kafka.brokers',
  KAFKA_CLIENT_ID: 'bus.kafka.clientId',
  KAFKA_SSL: 'bus.kafka.ssl',
  KAFKA_COMPRESSION: 'bus.kafka.compression',
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: 'bus.kafka.partitionsConsumedConcurrently',
  KAFKA_FETCH_MIN_BYTES: 'bus.kafka.fetchMinBytes',
  KAFKA_FETCH_MAX_WAIT_MS: 'bus.kafka.fetchMaxWaitMs',
  // SASL: all three, or none (a Secret's keys as environment variables).
  KAFKA_SASL_MECHANISM: 'bus.kafka.sasl.mechanism',
  KAFKA_SASL_USERNAME: 'bus.kafka.sasl.username',
  KAFKA_SASL_PASSWORD: 'bus.kafka.sasl.password',
} as const satisfies Record<string, string>;

export interface BusDependencies {
  /** Written into dead-letter headers and logs. */
  service: string;
  logger: BusLogger;
  metrics: BusMetrics;
  drainTimeoutMs: number;
}

export function createBus(config: BusConfig, deps: BusDependencies): EventBus {
  if (config.kind === 'kafka') {
    return new KafkaBus({
      ...deps,
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      ssl: config.kafka.ssl,
      ...(config.kafka.sasl ? { sasl: config.kafka.sasl } : {}),
      compression: config.kafka.compression,
      replicationFactor: config.kafka.replicationFactor,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
      minBytes: config.kafka.fetchMinBytes,
      maxWaitTimeMs: config.kafka.fetchMaxWaitMs,
    });
  }
  return new InProcessBus({
    ...deps,
    maxBufferedBytesPerPartition: config.inProcess.maxBufferedBytesPerPartition,
  });
}
