// Where the gateway counts failed authentications, as a resource of the process: Redis when `redis.url` is set
// (every replica sees the failures of the others; the keys expire with their window), else the process's memory.
// It answers readiness always: while Redis is away the store counts in memory (failure-limiter.ts).
import { openRedis, type RedisConfig } from '@kiln/timeseries';
import { MemoryFailureStore, RedisFailureStore, type FailureStore } from './failure-limiter';

export const authFailureStoreResource = {
  id: 'auth-failures',
  async open(config: { readonly redis: RedisConfig }) {
    if (config.redis.url === undefined) {
      return {
        value: new MemoryFailureStore() as FailureStore,
        ping: async () => undefined,
        close: async () => {},
      };
    }
    const { redis } = openRedis(config.redis.url);
    return {
      value: new RedisFailureStore(redis, config.redis.keyPrefix) as FailureStore,
      ping: async () => undefined,
      close: async () => {
        redis.disconnect();
      },
    };
  },
};
