import { createBusMetrics, createMetricsRegistry, startOpsServer, type OpsServer } from '../src';
import { captureLogs } from './log-capture';

async function get(
  server: OpsServer,
  path: string,
): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(`${server.address}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** The value of the Prometheus sample with exactly these labels, in whatever order they are printed. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe('ops server', () => {
  const registry = createMetricsRegistry({ service: 'oee' });
  const busMetrics = createBusMetrics(registry);
  const { logger, lines } = captureLogs();
  let server: OpsServer;

  beforeAll(async () => {
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, logger, checkTimeoutMs: 100 });
  });
  afterAll(() => server.close());

  it('binds the requested port 0 to a real port and says where', () => {
    expect(server.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.address).not.toMatch(/:0$/);
    expect(
      lines.some((line) => line['msg'] === 'ops server listening' && line['address'] === server.address),
    ).toBe(true);
  });

  it('answers /healthz while the process is alive', async () => {
    expect(await get(server, '/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it('is ready when it has no checks', async () => {
    const response = await get(server, '/readyz');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ready', checks: {} });
  });

  it('serves bus metrics in the Prometheus text format', async () => {
    busMetrics.recordsPublished('telemetry.raw', 5);
    busMetrics.recordsConsumed('telemetry.raw', 'oee', 3);
    busMetrics.batchHandled('telemetry.raw', 'oee', 3, 12);
    busMetrics.handlerFailed('telemetry.raw', 'oee');
    busMetrics.deadLettered('telemetry.raw', 'oee', 1);

    const response = await get(server, '/metrics');
    expect(response.status).toBe(200);
    expect(response.type).toBe(registry.contentType);
    const labels = { service: 'oee', topic: 'telemetry.raw', group: 'oee' };
    expect(
      sample(response.body, 'kiln_bus_records_published_total', { service: 'oee', topic: 'telemetry.raw' }),
    ).toBe(5);
    expect(sample(response.body, 'kiln_bus_records_consumed_total', labels)).toBe(3);
    expect(sample(response.body, 'kiln_bus_batch_duration_seconds_bucket', { ...labels, le: '0.01' })).toBe(
      0,
    );
    expect(sample(response.body, 'kiln_bus_batch_duration_seconds_bucket', { ...labels, le: '0.025' })).toBe(
      1,
    );
    expect(sample(response.body, 'kiln_bus_batch_size_records_sum', labels)).toBe(3);
    expect(sample(response.body, 'kiln_bus_handler_failures_total', labels)).toBe(1);
    expect(sample(response.body, 'kiln_bus_dead_lettered_total', labels)).toBe(1);
    expect(sample(response.body, 'process_cpu_user_seconds_total', { service: 'oee' })).toBeGreaterThan(0);
  });

  it('runs readiness checks and names each failing or slow one with its reason', async () => {
    server.addReadinessCheck({ name: 'kafka', check: async () => undefined });
    server.addReadinessCheck({
      name: 'postgres',
      check: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });
    server.addReadinessCheck({ name: 'redis', check: () => new Promise<void>(() => undefined) });

    const started = Date.now();
    const response = await get(server, '/readyz');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'not-ready',
      checks: {
        kafka: 'ok',
        postgres: 'connect ECONNREFUSED 127.0.0.1:5432',
        redis: 'timed out after 100 ms',
      },
    });
  });

  it('refuses two readiness checks with the same name', () => {
    expect(() => server.addReadinessCheck({ name: 'kafka', check: async () => undefined })).toThrow(
      /already registered/,
    );
  });

  it('is not ready once shutdown has started, but still alive', async () => {
    server.markShuttingDown();
    const readiness = await get(server, '/readyz');
    expect(readiness.status).toBe(503);
    expect(JSON.parse(readiness.body)).toEqual({ status: 'not-ready', reason: 'shutting down', checks: {} });
    expect((await get(server, '/healthz')).status).toBe(200);
  });
});

describe('ops server readiness checks', () => {
  it('are ready when every check passes', async () => {
    const { logger } = captureLogs();
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetricsRegistry({ service: 'oee', processMetrics: false }),
      logger,
      readiness: [
        { name: 'kafka', check: async () => undefined },
        { name: 'consumer-assigned', check: async () => undefined },
      ],
    });
    try {
      const response = await get(server, '/readyz');
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        status: 'ready',
        checks: { kafka: 'ok', 'consumer-assigned': 'ok' },
      });
    } finally {
      await server.close();
    }
  });
});
