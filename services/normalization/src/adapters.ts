// The hot state the configuration picks: Redis or memory. Shared by main.ts and `kiln start`; the database is
// opened by @kiln/timeseries' openDatabase.
import { Redis } from 'ioredis';
import { MemoryHotState, RedisHotState, type HotState } from '@kiln/timeseries';
import type { RedisConfig } from './config';

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
