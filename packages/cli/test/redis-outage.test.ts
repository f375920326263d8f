// Surviving a Redis outage: commands fail fast with a transient error while Redis is away (the bus retries the
// batch) instead of queueing without bound, the client reconnects by itself, and `kiln start oee` (live OEE in
// Redis) says `live-oee` is unreachable in /readyz while it is and is ready again by itself after.
import { classifyFailure } from '@kiln/bus';
import {
  describeWith,
  serviceEndpoints,
  startTcpProxy,
  uniqueName,
  waitUntil,
  type TcpProxy,
} from '@kiln/test-infra';
import { openRedis, PgDatabase, type RedisConnection } from '@kiln/timeseries';
import { dropMigratedSchema } from '@kiln/timeseries/testing';
import { freePort, httpStatus, KILN_MAIN, run, waitForReady, type RunningProcess } from './support';

async function proxyTo(url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(url);
  const proxy = await startTcpProxy({ target: { host: direct.hostname, port: Number(direct.port || 6379) } });
  const viaProxy = new URL(url);
  viaProxy.port = String(proxy.port);
  return { proxy, url: viaProxy.toString() };
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected the command to fail while Redis is away');
    },
    (error: unknown) => error,
  );
}

describeWith(['redis'], 'a Redis connection through an outage', () => {
  const { redisUrl } = serviceEndpoints();
  let proxy: TcpProxy;
  let connection: RedisConnection;
  let outages: Error[];
  let recoveries: number;

  beforeEach(async () => {
    const proxied = await proxyTo(redisUrl);
    proxy = proxied.proxy;
    outages = [];
    recoveries = 0;
    connection = openRedis(proxied.url, {
      onOutage: (error) => outages.push(error),
      onRecovered: () => (recoveries += 1),
    });
    await waitUntil(() => connection.redis.status === 'ready', { timeoutMs: 5_000, what: 'Redis to answer' });
  });

  afterEach(async () => {
    connection.redis.disconnect();
    await proxy.close();
  });

  it.each([
    ['refused', 'refuse'],
    ['never answered', 'blackhole'],
  ] as const)(
    'fails commands within seconds with a transient error while connections are %s, and reconnects by itself',
    async (_what, mode) => {
      const key = uniqueName('kiln:test:outage');
      await proxy.cut({ mode });
      await waitUntil(() => connection.redis.status !== 'ready', {
        timeoutMs: 5_000,
        what: 'the client to notice',
      });

      const readiness = await failureOf(connection.ping());
      expect(String(readiness)).toMatch(
        /^Error: Redis at 127\.0\.0\.1:\d+ is (connect|connecting|reconnecting|close)\b/,
      );

      const started = Date.now();
      const error = await failureOf(connection.redis.set(key, 'during the outage'));
      expect(Date.now() - started).toBeLessThan(12_000);
      expect({ error: String(error), class: classifyFailure(error) }).toMatchObject({ class: 'transient' });
      // Told once per outage, however many reconnect attempts fail (a black hole tells at the connect timeout).
      await waitUntil(() => outages.length > 0, { timeoutMs: 10_000, what: 'the outage to be told' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(outages).toHaveLength(1);

      await proxy.resume();
      await waitUntil(
        async () =>
          await connection.ping().then(
            () => true,
            () => false,
          ),
        {
          timeoutMs: 10_000,
          what: 'Redis to answer again through the same client',
        },
      );
      expect(recoveries).toBe(1);
      // What failed during the outage was not queued to run later.
      expect(await connection.redis.get(key)).toBeNull();
      await connection.redis.set(key, 'after', 'EX', 60);
      expect(await connection.redis.get(key)).toBe('after');
      expect(connection.errors()).toBeGreaterThanOrEqual(1);
    },
    30_000,
  );

  it('fails a command whose connection stops answering with a transient error (command timeout)', async () => {
    await proxy.cut({ mode: 'blackhole' });
    // The open connection was destroyed by the cut; the client reconnects into the black hole and waits.
    const error = await failureOf(connection.redis.get(uniqueName('kiln:test:hole')));
    expect(classifyFailure(error)).toBe('transient');
    await proxy.resume();
  }, 30_000);
});

describeWith(['kafka', 'postgres', 'redis'], 'kiln start oee when Redis is away', () => {
  const { kafkaBrokers, postgresUrl, redisUrl } = serviceEndpoints();
  const schema = uniqueName('kiln_redis_outage').replace(/[^a-z0-9_]/g, '_');
  let kiln: RunningProcess | undefined;
  let proxy: TcpProxy | undefined;

  afterAll(async () => {
    if (kiln && kiln.child.exitCode === null) {
      kiln.child.kill('SIGTERM');
      await kiln.exited;
    }
    await proxy?.close();
    const db = new PgDatabase({ connectionString: postgresUrl, applicationName: 'kiln redis outage test' });
    try {
      await dropMigratedSchema(db, schema);
    } finally {
      await db.close();
    }
  });

  it('answers 503 naming live-oee while Redis is away and is ready again by itself after', async () => {
    const proxied = await proxyTo(redisUrl);
    proxy = proxied.proxy;
    const opsPort = await freePort();
    const base = `http://127.0.0.1:${opsPort}`;
    const running = run(KILN_MAIN, ['start', 'oee'], {
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(opsPort),
      KILN_BUS: 'kafka',
      KILN_KAFKA_BROKERS: kafkaBrokers.join(','),
      KILN_KAFKA_CLIENT_ID: uniqueName('kiln-redis-outage'),
      KILN_DATABASE_URL: postgresUrl,
      KILN_DATABASE_SCHEMA: schema,
      KILN_REDIS_URL: proxied.url,
    });
    kiln = running;
    await waitForReady(base, running, 60_000);

    await proxy.cut();
    let during: string | undefined;
    await waitUntil(
      async () => {
        const answer = await httpStatus(`${base}/readyz`);
        during = answer?.body;
        return answer?.status === 503;
      },
      {
        timeoutMs: 15_000,
        what: '/readyz to answer 503 while Redis is away',
        describe: () => String(during),
      },
    );
    expect(JSON.parse(during ?? '{}')).toMatchObject({
      status: 'not-ready',
      checks: { 'live-oee': expect.stringMatching(/^Redis at 127\.0\.0\.1:\d+ is /), database: 'ok' },
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(running.child.exitCode).toBeNull();

    await proxy.resume();
    await waitForReady(base, running, 15_000);
    // ioredis writes each failed reconnect to stderr when nobody listens for its 'error' events.
    expect(running.stderr()).not.toContain('[ioredis]');
    expect(
      running.events().filter((event) => event['level'] === 'error' || event['level'] === 'fatal'),
    ).toEqual([]);
  }, 90_000);
});
