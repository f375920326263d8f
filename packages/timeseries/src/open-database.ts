// The database (and Redis) section every service that stores or reads the historian has, and opening it: a PostgreSQL /
// TimescaleDB server when a URL is configured, else the embedded PGlite with TimescaleDB; migrated at start.
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { PgDatabase, type Database } from './database';
import { PgliteThreadDatabase } from './pglite-thread';
import { migrate } from './migrate';

export const databaseConfigSchema = z.strictObject({
  /** PostgreSQL / TimescaleDB server; absent: the embedded PGlite (with TimescaleDB) below. */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  embedded: z
    .strictObject({
      /** Where PGlite keeps its files; absent: in memory, gone when the process ends. */
      dataDir: z.string().min(1).optional(),
      timescale: z.boolean().default(true),
    })
    .prefault({}),
  /** Schema of Kiln's tables. */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a plain lower-case identifier')
    .default('kiln'),
  /** Apply the migrations at start (idempotent; several instances may race safely). */
  migrateOnStart: z.boolean().default(true),
  maxConnections: z.number().int().positive().default(4),
});

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

/** The Redis section of services that keep hot state; without a URL they keep it in memory (embedded mode). */
export const redisConfigSchema = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  /** Before every key Kiln writes: several deployments may share one Redis. */
  keyPrefix: z
    .string()
    .max(64, 'at most 64 characters')
    .regex(/^[!-~]*$/, 'printable ASCII without spaces or control characters')
    .default('kiln:'),
});

export type RedisConfig = z.output<typeof redisConfigSchema>;

/** Environment names (before the `KILN_` prefix) of the database and Redis sections every service shares. */
export const storageEnvMap = {
  DATABASE_URL: 'database.url',
  DATABASE_SCHEMA: 'database.schema',
  REDIS_URL: 'redis.url',
  REDIS_KEY_PREFIX: 'redis.keyPrefix',
} as const satisfies Record<string, string>;

export interface OpenedDatabase {
  readonly db: Database;
  /** For readiness: resolves when the database answers. */
  ping(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Told of every connection the server dropped outside a statement (PostgreSQL only); see PgDatabase. */
  readonly onConnectionError?: (error: Error) => void;
  /** Told when the embedded database is gone for good (its thread stopped); see PgliteThreadDatabase. */
  readonly onLost?: (error: Error) => void;
}

/** Opens the configured database and, unless told not to, applies the migrations. */
export async function openDatabase(
  config: DatabaseConfig,
  applicationName: string,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const dataDir = config.url === undefined ? config.embedded.dataDir : undefined;
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db: Database =
    config.url === undefined
      ? await PgliteThreadDatabase.create({
          ...(dataDir === undefined ? {} : { dataDir }),
          timescale: config.embedded.timescale,
          ...(options.onLost === undefined ? {} : { onLost: options.onLost }),
        })
      : new PgDatabase({
          connectionString: config.url,
          maxConnections: config.maxConnections,
          applicationName: `kiln-${applicationName}`,
          ...(options.onConnectionError === undefined
            ? {}
            : { onConnectionError: options.onConnectionError }),
        });
  try {
    if (config.migrateOnStart) await migrate(db, { schema: config.schema });
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    db,
    ping: async () => {
      await db.query('SELECT 1');
    },
  };
}

export interface OpenRedisOptions {
  /** Told of the first error of each outage (not of every reconnect attempt); default: counted only. */
  readonly onOutage?: (error: Error) => void;
  /** Told when Redis answers again after an outage. */
  readonly onRecovered?: () => void;
}

export interface RedisConnection {
  readonly redis: Redis;
  /** For readiness: resolves when Redis answers PING; rejects at once, naming the last error, while it is away. */
  ping(): Promise<void>;
  /** Errors seen since the start (every failed reconnect attempt counts). */
  errors(): number;
}

// While Redis is away, ioredis reconnects after 100, 200, 400 ... ms, at most every 5 s; a command issued meanwhile
// waits for two reconnect attempts, then fails ("Reached the max retries per request limit", transient for the
// bus), so a batch is retried with the bus's backoff instead of queueing in memory for as long as the outage lasts.
const REDIS_MAX_RECONNECT_DELAY_MS = 5_000;
const REDIS_MAX_RETRIES_PER_COMMAND = 2;
const REDIS_CONNECT_TIMEOUT_MS = 5_000;
// A command on a connection whose server vanished without a word (a dropped route) would wait for TCP to give up,
// minutes; it fails after this instead ("Command timed out", transient).
const REDIS_COMMAND_TIMEOUT_MS = 5_000;

export function redisReconnectDelayMs(attempt: number): number {
  return Math.min(REDIS_MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.max(0, Math.min(attempt - 1, 16)));
}

/**
 * An ioredis client that survives outages: its 'error' events are heard (unheard, ioredis writes each reconnect
 * failure to stderr), it reconnects with capped backoff for as long as the process runs, and commands fail fast
 * with a transient error while Redis is away instead of queueing without bound.
 */
export function openRedis(url: string, options: OpenRedisOptions = {}): RedisConnection {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_COMMAND,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    keepAlive: 10_000,
    retryStrategy: redisReconnectDelayMs,
  });
  let errors = 0;
  let lastError: Error | undefined;
  let away = false;
  redis.on('error', (error: Error) => {
    errors += 1;
    lastError = error;
    if (away) return;
    away = true;
    options.onOutage?.(error);
  });
  redis.on('ready', () => {
    if (!away) return;
    away = false;
    options.onRecovered?.();
  });
  return {
    redis,
    errors: () => errors,
    ping: async () => {
      if (redis.status !== 'ready') {
        const reason = lastError === undefined ? '' : `: ${lastError.message}`;
        throw new Error(`Redis at ${redisAddress(url)} is ${redis.status}${reason}`);
      }
      await redis.ping();
    },
  };
}

/** host:port of a Redis URL, without credentials. */
function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}
