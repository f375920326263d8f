// Live OEE where the configuration says: Redis or memory. The database is opened by @kiln/timeseries.
import { openRedis, type redisConfigSchema } from '@kiln/timeseries';
import type { z } from 'zod';
import { MemoryLiveOee, RedisLiveOee, type LiveOee } from './live';

type RedisConfig = z.output<typeof redisConfigSchema>;

/** Redis when a URL is configured, else in memory. */
export function openLiveOee(config: RedisConfig): { live: LiveOee; ping(): Promise<void> } {
  if (config.url === undefined) return { live: new MemoryLiveOee(), ping: async () => undefined };
  // Commands fail fast while Redis is away (the batch is retried on failure) instead of queueing forever.
  const connection = openRedis(config.url);
  return { live: new RedisLiveOee(connection.redis, config.keyPrefix), ping: connection.ping };
}
