// Configuration of the Kiln platform process (`kiln start`): the service kit's common settings plus the bus.
// Precedence: schema defaults < YAML file (--config / KILN_CONFIG) < environment (KILN_*).
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { z } from 'zod';

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
  compression: z.enum(['gzip', 'none']).default('gzip'),
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: z.number().int().min(-1).default(-1),
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

export const topicsConfigSchema = z.strictObject({
  /** Partitions of topics created at start (existing topics are left as they are). */
  partitions: z.number().int().positive().default(12),
});

export const platformConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  topics: topicsConfigSchema.prefault({}),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;

/** Environment variables (all with the `KILN_` prefix) and the configuration key each sets. */
export const platformEnvMap = {
  ...serviceEnvMap,
  BUS: 'bus.kind',
  KAFKA_BROKERS: 'bus.kafka.brokers',
  KAFKA_CLIENT_ID: 'bus.kafka.clientId',
  KAFKA_SSL: 'bus.kafka.ssl',
  KAFKA_COMPRESSION: 'bus.kafka.compression',
  TOPIC_PARTITIONS: 'topics.partitions',
} as const satisfies Record<string, string>;

export function loadPlatformConfig(file: string | undefined, env: NodeJS.ProcessEnv): PlatformConfig {
  return loadConfig({
    schema: platformConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: platformEnvMap,
    envPrefix: 'KILN_',
  });
}
