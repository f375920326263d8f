// The storage adapters the configuration picks: PostgreSQL/TimescaleDB or embedded PGlite, Redis or memory.
import { Redis } from 'ioredis';
import { migrate, PgDatabase, PgliteDatabase, type Database } from '@kiln/timeseries';
import type { DatabaseConfig, RedisConfig } from './config';
import { MemoryLiveOee, RedisLiveOee, type LiveOee } from './live';

/** Opens the configured database and, unless told not to, applies the timeseries migrations. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const db: Database =
    config.url === undefined
      ? await PgliteDatabase.create({
          ...(config.embedded.dataDir === undefined ? {} : { dataDir: config.embedded.dataDir }),
          timescale: config.embedded.timescale,
        })
      : new PgDatabase({
          connectionString: config.url,
          maxConnections: config.maxConnections,
          applicationName: 'kiln-oee',
        });
  try {
    if (config.migrateOnStart) await migrate(db, { schema: config.schema });
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Redis when a URL is configured, else in memory. */
export function openLiveOee(config: RedisConfig): { live: LiveOee; ping(): Promise<void> } {
  if (config.url === undefined) return { live: new MemoryLiveOee(), ping: async () => undefined };
  const redis = new Redis(config.url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  return {
    live: new RedisLiveOee(redis, config.keyPrefix),
    ping: async () => {
      await redis.ping();
    },
  };
}
