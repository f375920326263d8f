// Failed authentication as an attacker spends it (issue 18): unknown keys from one address are counted before any
// lookup, the count is shared by replicas through Redis, and a flood of unknown keys does not push the keys in
// use out of the cache. Real PostgreSQL (the key table, its lookups counted) and real Redis.
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { describeWith, serviceEndpoints } from '@kiln/test-infra';
import type { Database } from '@kiln/timeseries';
import { Redis } from 'ioredis';
import { createGatewayApi } from '../../src/api';
import { ApiKeyStore } from '../../src/auth/api-keys';
import { Authenticator } from '../../src/auth/authenticator';
import {
  AuthFailureLimiter,
  clientOf,
  MemoryFailureStore,
  RedisFailureStore,
  slowDownOf,
  type FailureStore,
} from '../../src/auth/failure-limiter';
import { gatewayConfigSchema } from '../../src/config';
import { startGateway } from '../../src/gateway';
import { peerAddressOf } from '../../src/grpc/call';
import { buildRestServer, type RestServer } from '../../src/rest/server';
import { testDatabase, type TestDatabase } from '../support/db';

/** The database, counting the statements that look a key up by its hash. */
function countingLookups(db: Database): { db: Database; lookups: () => number } {
  let lookups = 0;
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'query') {
        return (sql: string, params?: unknown[]) => {
          if (sql.includes('token_hash = $1')) lookups += 1;
          return target.query(sql, params);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { db: counted, lookups: () => lookups };
}

const badKey = (): string => `kiln_${randomBytes(24).toString('hex')}`;

describeWith(['postgres', 'redis'], 'failed authentications', () => {
  const config = gatewayConfigSchema.parse({});
  let database: TestDatabase;
  let redis: Redis;
  const prefix = `kiln-test-${randomBytes(4).toString('hex')}:`;
  const bus = new InProcessBus({ service: 'gateway-test', drainTimeoutMs: 1_000 });

  beforeAll(async () => {
    database = await testDatabase();
    redis = new Redis(serviceEndpoints().redisUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await bus.close();
    await database?.drop();
  });

  it('by default, bad keys from one address cost 20 lookups and are then refused with 429', async () => {
    const counting = countingLookups(database.db);
    const lifecycle = manualLifecycle();
    try {
      const gateway = await startGateway(
        lifecycle,
        gatewayConfigSchema.parse({ gateway: { http: { port: 0 }, grpc: { port: 0 } } }).gateway,
        {
          db: counting.db,
          schema: database.schema,
          bus,
          live: undefined,
          oeeSection: config.oee,
          logger: createLogger({ service: 'gateway-test', level: 'silent' }),
          registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
          version: '0.0.0-test',
        },
      );
      const before = counting.lookups();
      const started = Date.now();
      let lastStatus = 0;
      // The slower path: 250 ms from the fourth failure, doubled up to 4 s; the same requests in parallel.
      const statuses = await Promise.all(
        Array.from({ length: 60 }, async () => {
          const response = await fetch(`${gateway.httpUrl}/api/v1/assets`, {
            headers: { authorization: `Bearer ${badKey()}` },
          });
          lastStatus = response.status;
          return response.status;
        }),
      );
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(20);
      expect(counting.lookups() - before).toBeLessThanOrEqual(20);
      const after = await fetch(`${gateway.httpUrl}/api/v1/assets`, {
        headers: { authorization: `Bearer ${badKey()}` },
      });
      expect(after.status).toBe(429);
      expect(counting.lookups() - before).toBeLessThanOrEqual(20);
      expect(lastStatus).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await lifecycle.stopAll();
    }
  }, 40_000);

  async function restWith(store: FailureStore, max: number) {
    const counting = countingLookups(database.db);
    const keys = new ApiKeyStore(counting.db, database.schema);
    const limiter = new AuthFailureLimiter(store, { max, windowMs: 60_000, slowDownMs: 1 });
    const api = createGatewayApi({
      db: database.db,
      schema: database.schema,
      bus,
      live: undefined,
      oeeSection: config.oee,
      section: config.gateway,
      authenticator: new Authenticator(keys, undefined, limiter),
    });
    const app: RestServer = await buildRestServer({
      api,
      section: { ...config.gateway, rateLimit: { max: 0, windowMs: 60_000 } },
      logger: createLogger({ service: 'gateway-test', level: 'silent' }),
      registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
      version: '0.0.0-test',
    });
    await app.ready();
    const get = (key: string, remoteAddress: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/assets',
        remoteAddress,
        headers: { authorization: `Bearer ${key}` },
      });
    return { app, keys, get, lookups: counting.lookups };
  }

  it('past max failures an address is refused with 429 before any lookup; other addresses and known keys are not', async () => {
    const { app, keys, get, lookups } = await restWith(new MemoryFailureStore(), 5);
    try {
      const good = await keys.create('*', 'reader', 'dashboard');
      expect((await get(good.token, '10.0.0.7')).statusCode).toBe(200);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 40; attempt += 1) {
        statuses.push((await get(badKey(), '10.0.0.7')).statusCode);
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
      // 1 for the good key, 5 for the failures; the 35 refused cost no lookup.
      expect(lookups()).toBe(6);
      const refused = await get(badKey(), '10.0.0.7');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json()).toEqual(
        expect.objectContaining({
          detail: expect.stringMatching(
            /^too many failed authentications from this address \(5 per 60 s\); retry in \d+ s$/,
          ),
        }),
      );
      // A key verified a moment ago still passes from that address; another address is not refused.
      expect((await get(good.token, '10.0.0.7')).statusCode).toBe(200);
      expect((await get(badKey(), '10.0.0.8')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('the count is shared by the replicas through Redis', async () => {
    const first = await restWith(new RedisFailureStore(redis, prefix), 3);
    const second = await restWith(new RedisFailureStore(redis, prefix), 3);
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await first.get(badKey(), '10.0.0.9')).statusCode).toBe(401);
      }
      expect((await second.get(badKey(), '10.0.0.9')).statusCode).toBe(429);
      expect(second.lookups()).toBe(0);
      const ttl = await redis.pttl(`${prefix}authfail:10.0.0.9`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await first.app.close();
      await second.app.close();
    }
  });

  it('while Redis does not answer, each replica counts in its own memory', async () => {
    const away = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
    away.on('error', () => undefined);
    const { app, get } = await restWith(new RedisFailureStore(away, prefix), 2);
    try {
      expect((await get(badKey(), '10.0.0.10')).statusCode).toBe(401);
      expect((await get(badKey(), '10.0.0.10')).statusCode).toBe(401);
      expect((await get(badKey(), '10.0.0.10')).statusCode).toBe(429);
    } finally {
      await app.close();
      away.disconnect();
    }
  });

  it('a lookup the database does not answer is not counted as a failure', async () => {
    const store = new MemoryFailureStore();
    let down = true;
    const failing = new Proxy(database.db, {
      get(target, property, receiver) {
        if (property === 'query' && down) {
          return () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const keys = new ApiKeyStore(failing, database.schema);
    const authenticator = new Authenticator(
      keys,
      undefined,
      new AuthFailureLimiter(store, { max: 3, windowMs: 60_000, slowDownMs: 0 }),
    );
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await expect(authenticator.authenticate(`Bearer ${badKey()}`, '10.0.0.11')).rejects.toThrow(
        'ECONNREFUSED',
      );
    }
    down = false;
    const good = await new ApiKeyStore(database.db, database.schema).create(
      '*',
      'reader',
      'after the outage',
    );
    await expect(authenticator.authenticate(`Bearer ${good.token}`, '10.0.0.11')).resolves.toEqual(
      expect.objectContaining({ role: 'reader' }),
    );
  });

  it('a flood of unknown keys does not push the keys in use out of the cache', async () => {
    const counting = countingLookups(database.db);
    const keys = new ApiKeyStore(counting.db, database.schema);
    const good = await keys.create('*', 'reader', 'line dashboard');
    expect(await keys.verify(good.token)).toBeDefined();
    const before = counting.lookups();
    for (let attempt = 0; attempt < 10_001; attempt += 1) {
      expect(await keys.verify(badKey())).toBeUndefined();
    }
    const afterFlood = counting.lookups();
    expect(afterFlood - before).toBe(10_001);
    // Still remembered: no lookup for the key in use.
    expect(await keys.verify(good.token)).toEqual(expect.objectContaining({ role: 'reader' }));
    expect(counting.lookups()).toBe(afterFlood);
  }, 60_000);
});

describe('failed authentication, pure parts', () => {
  it('answers the first three failures at once, then later and later up to 4 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => slowDownOf(n, 250))).toEqual([
      0, 0, 0, 250, 500, 1000, 2000, 4000, 4000,
    ]);
    expect(slowDownOf(50, 0)).toBe(0);
    expect(slowDownOf(5_000, 250)).toBe(4000);
  });

  it('counts an IPv6 address for its /64 and an IPv4 one for itself, however written', () => {
    expect(clientOf('10.0.0.7')).toBe('10.0.0.7');
    expect(clientOf('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientOf('2001:db8:0:7::1')).toBe('2001:db8:0:7::/64');
    expect(clientOf('2001:0db8:0000:0007:ffff:1:2:3')).toBe('2001:db8:0:7::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('fe80::')).toBe('fe80:0:0:0::/64');
    expect(clientOf('unknown')).toBe('unknown');
  });

  it('names the client of a gRPC call by its address without the port', () => {
    expect(peerAddressOf('ipv4:10.0.0.7:51234')).toBe('10.0.0.7');
    expect(peerAddressOf('ipv6:[::1]:50051')).toBe('::1');
    expect(peerAddressOf('ipv6:[2001:db8::7]:443')).toBe('2001:db8::7');
    expect(peerAddressOf('unix:/run/kiln.sock')).toBe('/run/kiln.sock');
  });

  it('refuses settings it cannot apply, naming them', () => {
    const store = new MemoryFailureStore();
    expect(() => new AuthFailureLimiter(store, { max: -1, windowMs: 1, slowDownMs: 0 })).toThrow(
      /gateway\.auth\.failures\.max/,
    );
    expect(() => new AuthFailureLimiter(store, { max: 1, windowMs: 0, slowDownMs: 0 })).toThrow(
      /gateway\.auth\.failures\.windowMs/,
    );
    expect(() => new AuthFailureLimiter(store, { max: 1, windowMs: 1e15, slowDownMs: 0 })).toThrow(
      /gateway\.auth\.failures\.windowMs: expected a positive number of ms up to one day, got 1000000000000000/,
    );
    expect(() => gatewayConfigSchema.parse({ gateway: { auth: { failures: { windowMs: 1e15 } } } })).toThrow(
      /too big/i,
    );
  });
});
