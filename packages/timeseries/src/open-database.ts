// The database (and Redis) section every service that stores or reads the historian has, and opening it: a PostgreSQL /
// TimescaleDB server when a URL is configured, else the embedded PGlite with TimescaleDB; migrated at start.
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { PgDatabase, PgliteDatabase, type Database } from './database';
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
  keyPrefix: z.string().default('kiln:'),
});

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
      ? await PgliteDatabase.create({
          ...(dataDir === undefined ? {} : { dataDir }),
          timescale: config.embedded.timescale,
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
