// One /readyz: the gateway's REST server answers readiness exactly as every service's ops server does (status
// code and body, `{status, checks}`), because probes, clients and docs read one shape. In the gateway process both
// servers share one metrics registry, as here. And what the gateway says at start when it listens beyond this
// machine without TLS.
import { InProcessBus } from '@kiln/bus';
import {
  createLogger,
  createMetricsRegistry,
  manualLifecycle,
  startOpsServer,
  type OpsServer,
  type ReadinessCheck,
  type Stoppable,
} from '@kiln/service-kit';
import { describeWith } from '@kiln/test-infra';
import { createGatewayApi } from '../../src/api';
import { ApiKeyStore } from '../../src/auth/api-keys';
import { Authenticator } from '../../src/auth/authenticator';
import { gatewayConfigSchema } from '../../src/config';
import { startGateway } from '../../src/gateway';
import { buildRestServer, type RestServer } from '../../src/rest/server';
import { testDatabase, type TestDatabase } from '../support/db';

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function readyz(base: string, key?: string): Promise<Answer> {
  const response = await fetch(`${base}/readyz`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: await response.json() };
}

describeWith(['postgres'], 'REST /readyz', () => {
  let redisAway = false;
  let clockHung = false;
  const checks: ReadinessCheck[] = [
    { name: 'database', check: async () => undefined },
    {
      name: 'live-oee',
      check: async () => {
        if (redisAway) throw new Error('Redis at 127.0.0.1:6379 is reconnecting: connect ECONNREFUSED');
      },
    },
    // While hung it never answers: readiness must still answer, naming the check, after the check's own timeout.
    {
      name: 'clock',
      check: () => (clockHung ? new Promise<void>(() => undefined) : Promise.resolve()),
      timeoutMs: 100,
    },
  ];
  const registry = createMetricsRegistry({ service: 'gateway', processMetrics: false });
  const logger = createLogger({ service: 'gateway-test', level: 'silent' });
  let database: TestDatabase;
  let bus: InProcessBus;
  let app: RestServer;
  let gateway: string;
  let ops: OpsServer;
  /** A reader's key: the gateway's REST port gives the checks' reasons only to a caller with a credential. */
  let key: string;

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'gateway-test', drainTimeoutMs: 1_000 });
    const config = gatewayConfigSchema.parse({});
    const keys = new ApiKeyStore(database.db, database.schema);
    key = (await keys.create('acme/plant-1', 'reader')).token;
    const api = createGatewayApi({
      db: database.db,
      schema: database.schema,
      bus,
      live: undefined,
      oeeSection: config.oee,
      section: config.gateway,
      authenticator: new Authenticator(keys),
    });
    app = await buildRestServer({
      api,
      section: config.gateway,
      logger,
      registry,
      version: '0.0.0-test',
      readiness: checks,
    });
    gateway = await app.listen({ host: '127.0.0.1', port: 0 });
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, registry, logger, readiness: checks });
  });
  afterAll(async () => {
    await ops?.close();
    await app?.close();
    await bus?.close();
    await database?.drop();
  });

  it('answers 503 with the same body as a service ops server, naming each failing check', async () => {
    redisAway = true;
    clockHung = true;
    const fromGateway = await readyz(gateway, key);
    expect(fromGateway).toEqual(await readyz(ops.address));
    expect(fromGateway).toEqual({
      status: 503,
      body: {
        status: 'not-ready',
        checks: {
          database: 'ok',
          'live-oee': 'Redis at 127.0.0.1:6379 is reconnecting: connect ECONNREFUSED',
          clock: 'timed out after 100 ms',
        },
      },
    });
  });

  it('tells a caller without a credential which checks fail, not why', async () => {
    // Issue 18: the public port answered anyone with the reasons, which name internal hosts, ports and errors.
    redisAway = true;
    clockHung = true;
    expect(await readyz(gateway)).toEqual({
      status: 503,
      body: { status: 'not-ready', checks: { database: 'ok', 'live-oee': 'failing', clock: 'failing' } },
    });
    // A wrong credential is refused as on any route, not answered without details.
    const wrong = await fetch(`${gateway}/readyz`, { headers: { authorization: 'Bearer not-a-key' } });
    expect(wrong.status).toBe(401);
    // The ops port (not published; kubelet's and Prometheus's) keeps the reasons.
    expect(
      ((await readyz(ops.address)).body as { checks: Record<string, string> }).checks['live-oee'],
    ).toMatch(/^Redis at /);
  });

  it('runs the checks once for callers who ask at the same time', async () => {
    redisAway = false;
    clockHung = false;
    let runs = 0;
    // A check that takes a while, as a database round trip under load does: the callers overlap it.
    checks.push({
      name: 'counted',
      check: async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
    });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => readyz(gateway)));
      expect(answers.every((one) => one.status === 200)).toBe(true);
      expect(runs).toBeLessThanOrEqual(2);
    } finally {
      checks.pop();
    }
  });

  it('sets kiln_readiness_check_up at each probe, as every ops server does', async () => {
    redisAway = true;
    await readyz(gateway);
    expect(await registry.metrics()).toMatch(/^kiln_readiness_check_up\{[^}]*check="live-oee"[^}]*\} 0$/m);
    // Only the gateway is probed now: the gauge says Redis is back because the gateway's probe set it.
    redisAway = false;
    await readyz(gateway);
    expect(await registry.metrics()).toMatch(/^kiln_readiness_check_up\{[^}]*check="live-oee"[^}]*\} 1$/m);
  });

  it('answers 200 with the same body once every check passes', async () => {
    redisAway = false;
    clockHung = false;
    const fromGateway = await readyz(gateway, key);
    expect(fromGateway).toEqual(await readyz(ops.address));
    expect(fromGateway).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', 'live-oee': 'ok', clock: 'ok' } },
    });
  });
});

describeWith(['postgres'], 'REST /readyz during shutdown', () => {
  it('answers 503 from the moment shutdown begins, with every check passing, as the ops server does', async () => {
    const database = await testDatabase();
    const bus = new InProcessBus({ service: 'gateway-test', drainTimeoutMs: 1_000 });
    const registry = createMetricsRegistry({ service: 'gateway', processMetrics: false });
    const logger = createLogger({ service: 'gateway-test', level: 'silent' });
    const config = gatewayConfigSchema.parse({
      gateway: { http: { host: '127.0.0.1', port: 0 }, grpc: { host: '127.0.0.1', port: 0 } },
    });
    const added: Stoppable[] = [];
    const inner = manualLifecycle();
    const lifecycle = {
      ...inner,
      add: <T extends Stoppable>(component: T) => (added.push(component), inner.add(component)),
    };
    try {
      const gateway = await startGateway(lifecycle, config.gateway, {
        db: database.db,
        schema: database.schema,
        bus,
        live: undefined,
        oeeSection: config.oee,
        logger,
        registry,
        version: '0.0.0-test',
        readiness: [{ name: 'database', check: async () => undefined }],
      });
      expect((await readyz(gateway.httpUrl)).status).toBe(200);
      // What runService does on SIGTERM first, to every component, before any of them stops.
      for (const component of added) component.markShuttingDown?.();
      expect(await readyz(gateway.httpUrl)).toEqual({
        status: 503,
        body: { status: 'not-ready', reason: 'shutting down', checks: {} },
      });
    } finally {
      await lifecycle.stopAll();
      await bus.close();
      await database.drop();
    }
  });
});

describeWith(['postgres'], 'the gateway started beyond this machine without TLS', () => {
  it('says at start that keys and data cross the network in clear', async () => {
    const database = await testDatabase();
    const bus = new InProcessBus({ service: 'gateway-test', drainTimeoutMs: 1_000 });
    const lines: string[] = [];
    const logger = createLogger({
      service: 'gateway-test',
      level: 'warn',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const config = gatewayConfigSchema.parse({
      gateway: { http: { host: '0.0.0.0', port: 0 }, grpc: { host: '127.0.0.1', port: 0 } },
    });
    const lifecycle = manualLifecycle();
    try {
      await startGateway(lifecycle, config.gateway, {
        db: database.db,
        schema: database.schema,
        bus,
        live: undefined,
        oeeSection: config.oee,
        logger,
        registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
        version: '0.0.0-test',
      });
      const warnings = lines.map((line) => JSON.parse(line) as { level: string; msg: string; api?: string });
      expect(warnings.filter((line) => line.api !== undefined)).toEqual([
        expect.objectContaining({
          level: 'warn',
          api: 'REST',
          msg:
            'the REST API listens on 0.0.0.0 without TLS: keys and data cross the network in clear unless TLS ' +
            'is terminated in front of it (gateway.http.tls)',
        }),
      ]);
    } finally {
      await lifecycle.stopAll();
      await bus.close();
      await database.drop();
    }
  });
});
