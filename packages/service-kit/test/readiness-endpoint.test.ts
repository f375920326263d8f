// The one readiness answer every /readyz sends (the ops server's, the gateway's): its status code and body, the
// list of checks it reads, and one gauge per registry however many servers of a process answer readiness.
import {
  createMetricsRegistry,
  createReadinessEndpoint,
  readinessBodySchema,
  type ReadinessCheck,
} from '../src';
import { captureLogs } from './log-capture';

const ok = (name: string): ReadinessCheck => ({ name, check: async () => undefined });

describe('readiness endpoint', () => {
  const { logger } = captureLogs();

  it('answers 200 with every check ok, and 503 naming the reason of each failing one', async () => {
    const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
    const failing: ReadinessCheck = {
      name: 'database',
      check: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    };
    const ready = createReadinessEndpoint({ registry, logger, checks: [ok('bus')] });
    expect(await ready.answer()).toEqual({
      statusCode: 200,
      body: { status: 'ready', checks: { bus: 'ok' } },
    });
    const notReady = createReadinessEndpoint({ registry, logger, checks: [ok('bus'), failing] });
    const answer = await notReady.answer();
    expect(answer).toEqual({
      statusCode: 503,
      body: { status: 'not-ready', checks: { bus: 'ok', database: 'connect ECONNREFUSED 127.0.0.1:5432' } },
    });
    expect(readinessBodySchema.parse(answer.body)).toEqual(answer.body);
  });

  it('reads the list it was given at every answer, so a caller may extend it', async () => {
    const registry = createMetricsRegistry({ service: 'kiln', processMetrics: false });
    const checks: ReadinessCheck[] = [ok('gateway')];
    const endpoint = createReadinessEndpoint({ registry, logger, checks });
    checks.push(ok('oee'));
    endpoint.addCheck(ok('simulator'));
    expect((await endpoint.answer()).body.checks).toEqual({ gateway: 'ok', oee: 'ok', simulator: 'ok' });
    expect(() => endpoint.addCheck(ok('oee'))).toThrow('readiness check "oee" is already registered');
  });

  it('shows a failure of two checks sharing a name, whichever comes first', async () => {
    const registry = createMetricsRegistry({ service: 'kiln', processMetrics: false });
    const failing: ReadinessCheck = {
      name: 'database',
      check: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    };
    for (const checks of [
      [failing, ok('database')],
      [ok('database'), failing],
    ]) {
      expect(await createReadinessEndpoint({ registry, logger, checks }).answer()).toEqual({
        statusCode: 503,
        body: { status: 'not-ready', checks: { database: 'connect ECONNREFUSED 127.0.0.1:5432' } },
      });
    }
  });

  it('answers 503 shutting down once marked, without running the checks', async () => {
    const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
    let runs = 0;
    const endpoint = createReadinessEndpoint({
      registry,
      logger,
      checks: [{ name: 'bus', check: async () => void (runs += 1) }],
    });
    endpoint.markShuttingDown();
    expect(await endpoint.answer()).toEqual({
      statusCode: 503,
      body: { status: 'not-ready', reason: 'shutting down', checks: {} },
    });
    expect(runs).toBe(0);
  });

  it('shares kiln_readiness_check_up between the endpoints of one registry', async () => {
    const registry = createMetricsRegistry({ service: 'gateway', processMetrics: false });
    let redisAway = true;
    const liveOee: ReadinessCheck = {
      name: 'live-oee',
      check: async () => {
        if (redisAway) throw new Error('Redis is reconnecting');
      },
    };
    const ops = createReadinessEndpoint({ registry, logger, checks: [liveOee] });
    const rest = createReadinessEndpoint({ registry, logger, checks: [liveOee] });
    await ops.answer();
    expect(await registry.metrics()).toMatch(/^kiln_readiness_check_up\{[^}]*check="live-oee"[^}]*\} 0$/m);
    redisAway = false;
    await rest.answer();
    expect(await registry.metrics()).toMatch(/^kiln_readiness_check_up\{[^}]*check="live-oee"[^}]*\} 1$/m);
  });
});
