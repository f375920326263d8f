// An outage of a dependency as the operator sees it on the ops server: /readyz answers 503 naming it on every
// probe, `kiln_readiness_check_up` is 0, and the log says so once when it begins and once when it ends.
import { createMetricsRegistry, ReadinessTransitions, startOpsServer, type OpsServer } from '../src';
import { captureLogs } from './log-capture';

describe('readiness through an outage', () => {
  const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
  const { logger, lines } = captureLogs();
  let databaseAway = false;
  let server: OpsServer;

  beforeAll(async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      logger,
      readiness: [
        {
          name: 'database',
          check: async () => {
            if (databaseAway) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          },
        },
        { name: 'bus', check: async () => undefined },
      ],
    });
  });
  afterAll(() => server.close());

  const probe = async (): Promise<number> => (await fetch(`${server.address}/readyz`)).status;
  const metric = async (): Promise<string> => (await fetch(`${server.address}/metrics`)).text();
  const outageLines = (): Record<string, unknown>[] =>
    lines.filter((line) => line['check'] !== undefined && String(line['msg']).startsWith('readiness check'));

  it('logs the start and the end of an outage once each, however often it is probed', async () => {
    expect(await probe()).toBe(200);
    databaseAway = true;
    for (let i = 0; i < 5; i += 1) expect(await probe()).toBe(503);
    expect(await metric()).toMatch(/kiln_readiness_check_up\{[^}]*check="database"[^}]*\} 0/);
    expect(await metric()).toMatch(/kiln_readiness_check_up\{[^}]*check="bus"[^}]*\} 1/);

    databaseAway = false;
    for (let i = 0; i < 3; i += 1) expect(await probe()).toBe(200);
    expect(await metric()).toMatch(/kiln_readiness_check_up\{[^}]*check="database"[^}]*\} 1/);

    expect(outageLines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        check: 'database',
        reason: 'connect ECONNREFUSED 127.0.0.1:5432',
        msg: 'readiness check failing',
      }),
      expect.objectContaining({ level: 'info', check: 'database', msg: 'readiness check ok again' }),
    ]);
  });
});

describe('ReadinessTransitions', () => {
  it('reports a check when it begins to fail and when it recovers, with how long it failed', () => {
    const transitions = new ReadinessTransitions();
    const report = (database: string) => ({ ready: database === 'ok', checks: { database, bus: 'ok' } });
    expect(transitions.next(report('ok'), 0)).toEqual([]);
    expect(transitions.next(report('timed out after 2000 ms'), 1_000)).toEqual([
      { check: 'database', kind: 'failing', reason: 'timed out after 2000 ms' },
    ]);
    expect(transitions.next(report('connect ECONNREFUSED'), 2_000)).toEqual([]);
    expect(transitions.next(report('ok'), 31_000)).toEqual([
      { check: 'database', kind: 'recovered', failedForMs: 30_000 },
    ]);
    expect(transitions.next(report('ok'), 32_000)).toEqual([]);
  });
});
