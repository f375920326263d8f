// Issue 13, defect 3 at the process level, and surviving a PostgreSQL outage: one service as its own process
// (`kiln start oee`, which keeps a pool to PostgreSQL) stays up when every connection it has is terminated or cut,
// says so in /readyz while the database is away, and is ready again by itself once it is back.
import {
  describeWith,
  serviceEndpoints,
  startTcpProxy,
  uniqueName,
  waitUntil,
  type TcpProxy,
} from '@kiln/test-infra';
import { classifyFailure } from '@kiln/bus';
import { PgDatabase } from '@kiln/timeseries';
import { dropMigratedSchema } from '@kiln/timeseries/testing';
import { freePort, httpStatus, KILN_MAIN, run, waitForReady, type RunningProcess } from './support';

interface Readiness {
  status?: string;
  checks?: Record<string, string>;
}

async function readiness(base: string): Promise<{ status: number; body: Readiness } | undefined> {
  const answer = await httpStatus(`${base}/readyz`);
  return answer && { status: answer.status, body: JSON.parse(answer.body) as Readiness };
}

/** The URL with the application name PostgreSQL shows in pg_stat_activity (the URL's wins over Kiln's own). */
function withApplicationName(url: string, applicationName: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${applicationName}`;
}

async function terminateBackends(adminUrl: string, applicationName: string): Promise<number> {
  const admin = new PgDatabase({ connectionString: adminUrl, applicationName: 'kiln pg outage test admin' });
  try {
    const { rows } = await admin.query<{ terminated: boolean }>(
      'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await admin.close();
  }
}

function errorLines(kiln: RunningProcess): Record<string, unknown>[] {
  return kiln.events().filter((event) => event['level'] === 'error' || event['level'] === 'fatal');
}

describeWith(['kafka', 'postgres'], 'kiln start oee when PostgreSQL drops its connections', () => {
  const { kafkaBrokers, postgresUrl } = serviceEndpoints();
  const schema = uniqueName('kiln_pg_outage').replace(/[^a-z0-9_]/g, '_');
  let kiln: RunningProcess | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    if (kiln && kiln.child.exitCode === null) {
      kiln.child.kill('SIGTERM');
      await kiln.exited;
    }
    kiln = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  afterAll(async () => {
    const db = new PgDatabase({ connectionString: postgresUrl, applicationName: 'kiln pg outage test' });
    try {
      await dropMigratedSchema(db, schema);
    } finally {
      await db.close();
    }
  });

  async function startOee(databaseUrl: string): Promise<{ base: string; running: RunningProcess }> {
    const opsPort = await freePort();
    const base = `http://127.0.0.1:${opsPort}`;
    const running = run(KILN_MAIN, ['start', 'oee'], {
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(opsPort),
      KILN_BUS: 'kafka',
      KILN_KAFKA_BROKERS: kafkaBrokers.join(','),
      KILN_KAFKA_CLIENT_ID: uniqueName('kiln-pg-outage'),
      KILN_DATABASE_URL: databaseUrl,
      KILN_DATABASE_SCHEMA: schema,
    });
    kiln = running;
    await waitForReady(base, running, 60_000);
    return { base, running };
  }

  it('stays up when every PostgreSQL connection it holds is terminated, and answers ready again', async () => {
    const applicationName = uniqueName('kiln_oee_terminated').replace(/[^a-z0-9_]/g, '_');
    const { base, running } = await startOee(withApplicationName(postgresUrl, applicationName));
    // The readiness probe leaves a connection idle in the pool: what a failover or an idle timeout ends.
    expect((await readiness(base))?.body.checks?.['database']).toBe('ok');

    expect(await terminateBackends(postgresUrl, applicationName)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(running.child.exitCode).toBeNull();
    await waitForReady(base, running, 15_000);
    expect((await readiness(base))?.body).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    expect(errorLines(running)).toEqual([]);
  }, 90_000);

  it('says the database is unreachable while PostgreSQL is away and is ready again by itself after', async () => {
    const direct = new URL(postgresUrl);
    proxy = await startTcpProxy({ target: { host: direct.hostname, port: Number(direct.port || 5432) } });
    const viaProxy = new URL(postgresUrl);
    viaProxy.port = String(proxy.port);
    const { base, running } = await startOee(viaProxy.toString());

    await proxy.cut();
    let during: Readiness | undefined;
    await waitUntil(
      async () => {
        const answer = await readiness(base);
        during = answer?.body;
        return answer?.status === 503;
      },
      {
        timeoutMs: 15_000,
        what: '/readyz to answer 503 while PostgreSQL is away',
        describe: () => JSON.stringify(during),
      },
    );
    expect(during?.checks?.['database']).toMatch(/ECONNREFUSED/);
    // Probed again and again during the outage, as a load balancer would.
    for (let probe = 0; probe < 10; probe += 1) {
      expect((await readiness(base))?.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(running.child.exitCode).toBeNull();

    await proxy.resume();
    await waitForReady(base, running, 15_000);
    expect((await readiness(base))?.body).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    expect(errorLines(running)).toEqual([]);
    // Told once when the outage began and once when it ended, not on every probe.
    const told = running.events().filter((event) => event['check'] === 'database');
    expect(told.map((event) => [event['level'], event['msg']])).toEqual([
      ['warn', 'readiness check failing'],
      ['info', 'readiness check ok again'],
    ]);
  }, 90_000);
});

describeWith(['postgres'], 'what a statement sees while PostgreSQL is away', () => {
  const { postgresUrl } = serviceEndpoints();
  const direct = new URL(postgresUrl);
  let proxy: TcpProxy;
  let db: PgDatabase;
  let lost: Error[];

  beforeEach(async () => {
    proxy = await startTcpProxy({ target: { host: direct.hostname, port: Number(direct.port || 5432) } });
    const viaProxy = new URL(postgresUrl);
    viaProxy.port = String(proxy.port);
    lost = [];
    db = new PgDatabase({
      connectionString: viaProxy.toString(),
      applicationName: uniqueName('kiln_pg_failures').replace(/[^a-z0-9_]/g, '_'),
      connectTimeoutMs: 1_000,
      onConnectionError: (error) => lost.push(error),
    });
    await db.query('SELECT 1');
  });

  afterEach(async () => {
    await db.close();
    await proxy.close();
  });

  async function failureOf(work: Promise<unknown>): Promise<unknown> {
    return work.then(
      () => {
        throw new Error('expected the statement to fail while PostgreSQL is away');
      },
      (error: unknown) => error,
    );
  }

  it.each([
    ['refused', 'refuse'],
    ['reset', 'reset'],
    ['never answered', 'blackhole'],
  ] as const)(
    'fails a statement at once with a transient error while new connections are %s, and answers after',
    async (_what, mode) => {
      await proxy.cut({ mode });
      await waitUntil(() => lost.length === 1, { timeoutMs: 5_000, what: 'the idle connection to be lost' });
      const started = Date.now();
      const error = await failureOf(db.query('SELECT 1'));
      // Within the connect timeout (1 s here), not forever.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect({ error: String(error), class: classifyFailure(error) }).toMatchObject({ class: 'transient' });

      await proxy.resume();
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    },
  );

  it('fails a statement whose connection is cut under it with a transient error', async () => {
    const sleeping = failureOf(db.query('SELECT pg_sleep(10)'));
    await waitUntil(() => proxy.openConnections() === 1 && db.connectionStats().open === 1, {
      timeoutMs: 5_000,
      what: 'the statement to be running',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await proxy.cut();
    const error = await sleeping;
    expect(String(error)).toMatch(/Connection terminated unexpectedly/);
    expect(classifyFailure(error)).toBe('transient');
    await proxy.resume();
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a transaction whose connection is cut between two statements with a transient error', async () => {
    const outcome = failureOf(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await proxy.cut();
        await waitUntil(() => lost.length === 1, { timeoutMs: 5_000, what: 'the connection to be lost' });
        await tx.query('SELECT 2');
      }),
    );
    const error = await outcome;
    expect(classifyFailure(error)).toBe('transient');
    await proxy.resume();
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('calls the termination of a statement by the server (SQLSTATE 57P01) transient', async () => {
    const sleeping = failureOf(db.query('SELECT pg_sleep(10)'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const admin = new PgDatabase({
      connectionString: postgresUrl,
      applicationName: 'kiln pg failures admin',
    });
    try {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND pid <> pg_backend_pid()
           AND client_port IS NOT NULL AND application_name LIKE 'kiln_pg_failures%'`,
      );
    } finally {
      await admin.close();
    }
    const error = await sleeping;
    expect(error).toMatchObject({ code: '57P01' });
    expect(classifyFailure(error)).toBe('transient');
  });
});
