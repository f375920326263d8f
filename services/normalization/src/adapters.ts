// The storage adapters the configuration picks: PostgreSQL/TimescaleDB or embedded PGlite, Redis or memory.
// Shared by main.ts and `kiln start`.
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import {
  MemoryHotState,
  migrate,
  PgDatabase,
  PgliteDatabase,
  RedisHotState,
  type Database,
  type HotState,
} from '@kiln/timeseries';
import type { DatabaseConfig, RedisConfig } from './config';

export interface OpenedDatabase {
  readonly db: Database;
  /** For readiness: resolves when the database answers. */
  ping(): Promise<void>;
}

/** Opens the configured database and, unless told not to, applies the timeseries migrations. */
export async function openDatabase(
  config: DatabaseConfig,
  service = 'normalization',
): Promise<OpenedDatabase> {
  const dataDir = config.url === undefined ? config.embedded.dataDir : undefined;
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db: Database =
    config.url === undefined
      ? await PgliteDatabase.create({
          ...(config.embedded.dataDir === undefined ? {} : { dataDir: config.embedded.dataDir }),
          timescale: config.embedded.timescale,
        })
      : new PgDatabase({
          connectionString: config.url,
          maxConnections: config.maxConnections,
          applicationName: `kiln-${service}`,
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

export interface OpenedHotState {
  readonly hotState: HotState;
  ping(): Promise<void>;
}

/** Redis when a URL is configured, else the in-memory hot state of the embedded mode. */
export function openHotState(config: RedisConfig): OpenedHotState {
  if (config.url === undefined) {
    return { hotState: new MemoryHotState(), ping: async () => undefined };
  }
  // Commands wait through a short outage (the batch is retried on failure) instead of queueing forever.
  const redis = new Redis(config.url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  return {
    hotState: new RedisHotState(redis, { keyPrefix: config.keyPrefix }),
    ping: async () => {
      await redis.ping();
    },
  };
}
