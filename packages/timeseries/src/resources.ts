// The storage a service declares it uses (docs/architecture.md section 12): opened once per process and shared
// by every service in it. Shaped as @kiln/service-runtime's ResourceDefinition, which they satisfy structurally,
// so that this package needs nothing from the runtime.
import type { Database } from './database';
import { MemoryHotState, RedisHotState, type HotState } from './hot-state';
import { openDatabase, openRedis, type DatabaseConfig, type RedisConfig } from './open-database';

/** The database (PostgreSQL / TimescaleDB, or the embedded PGlite), migrated unless configured otherwise. */
export const databaseResource = {
  id: 'database',
  async open(
    config: { readonly database: DatabaseConfig },
    context: { readonly service: string; lost(error: Error): void },
  ) {
    // The embedded database's thread gone ends the process: up but never ready again would serve nobody.
    const opened = await openDatabase(config.database, context.service, {
      onLost: (error) => context.lost(error),
    });
    return { value: opened.db as Database, ping: opened.ping, close: () => opened.db.close() };
  },
};

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

/**
 * Last values and current states: in Redis when redis.url is set, else in memory. Normalization writes them; the
 * gateway reads them (the latest value of a signal); in `kiln start` both share the one opened here.
 */
export const hotStateResource = {
  id: 'hot-state',
  async open(config: { readonly redis: RedisConfig }) {
    const opened = openHotState(config.redis);
    return { value: opened.hotState, ping: opened.ping, close: () => opened.hotState.close() };
  },
};
