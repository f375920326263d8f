// The hot state the configuration picks: Redis or memory. Shared by main.ts and `kiln start`; the database is
// opened by @kiln/timeseries' openDatabase.
import { MemoryHotState, openRedis, RedisHotState, type HotState } from '@kiln/timeseries';
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
  // Commands fail fast while Redis is away (the batch is retried on failure) instead of queueing forever.
  const connection = openRedis(config.url);
  return {
    hotState: new RedisHotState(connection.redis, { keyPrefix: config.keyPrefix }),
    ping: connection.ping,
  };
}
