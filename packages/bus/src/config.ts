// The bus section of a service's configuration, and the factory that turns it into a bus: one definition for
// every service and for `kiln start`, so all of them are configured the same way.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InProcessBus } from './in-process';
import { KafkaBus } from './kafka';
import { kafkaCompressions } from './kafka/codecs';
import { kafkaDefaults, type KafkaTlsOptions } from './kafka/options';
import type { BusLogger, BusMetrics, EventBus } from './types';

const kafkaConfigSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
      .min(1)
      .default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('kiln'),
    /** TLS to the brokers, trusting the system's CAs (tls below adds a CA and a client certificate). */
    ssl: z.boolean().default(false),
    /** PEM files: the CA that signs the brokers' certificates; a client certificate and key for mutual TLS. */
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
      })
      .optional(),
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
  })
  .superRefine((kafka, context) => {
    const tls = kafka.tls;
    if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['tls', tls.certFile === undefined ? 'certFile' : 'keyFile'],
        message: 'a client certificate needs both certFile and keyFile',
      });
    }
    if (kafka.sasl?.mechanism === 'plain' && !kafka.ssl && tls === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['sasl', 'mechanism'],
        message:
          'SASL PLAIN sends the password as it is: only over TLS (bus.kafka.ssl or bus.kafka.tls), or use ' +
          'scram-sha-256 / scram-sha-512',
      });
    }
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
  KAFKA_TLS_CA_FILE: 'bus.kafka.tls.caFile',
  KAFKA_TLS_CERT_FILE: 'bus.kafka.tls.certFile',
  KAFKA_TLS_KEY_FILE: 'bus.kafka.tls.keyFile',
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

/**
 * The brokers' TLS: false, true (the system's CAs) or the contents of the configured PEM files; a file that cannot
 * be read names its setting.
 */
export function kafkaSslOf(kafka: BusConfig['kafka']): boolean | KafkaTlsOptions {
  const tls = kafka.tls;
  if (tls === undefined) return kafka.ssl;
  const read = (field: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    const file = tls[field];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      const reason = (error as { message?: unknown } | null)?.message ?? String(error);
      throw new Error(`bus.kafka.tls.${field} (${file}) cannot be read: ${String(reason)}`, { cause: error });
    }
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  return {
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

export function createBus(config: BusConfig, deps: BusDependencies): EventBus {
  if (config.kind === 'kafka') {
    return new KafkaBus({
      ...deps,
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      ssl: kafkaSslOf(config.kafka),
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
