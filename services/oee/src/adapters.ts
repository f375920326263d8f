// Live OEE where the configuration says: Redis or memory. The database is opened by @kiln/timeseries.
import { Redis } from 'ioredis';
import type { RedisConfig } from './config';
import { MemoryLiveOee, RedisLiveOee, type LiveOee } from './live';

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
