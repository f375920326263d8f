// `kiln start <service>`: one service of the platform on its own, configured as that service alone (its own
// KILN_* variables), against the real Kafka and PostgreSQL; `kiln start` with no service stays the all-in-one.
import { describeWith, serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { PgDatabase } from '@kiln/timeseries';
import { dropMigratedSchema } from '@kiln/timeseries/testing';
import { exitWithin, freePort, httpStatus, KILN_MAIN, run, waitForReady } from './support';

describe('kiln start with a service name', () => {
  it('refuses an unknown service with the usage and exit code 1', async () => {
    const kiln = run(KILN_MAIN, ['start', 'billing'], {});
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(1);
    expect(kiln.stderr()).toContain("'billing' is invalid for argument 'service'");
    expect(kiln.stderr()).toContain(
      'ingestion, normalization, oee, maintenance, erp-sync, gateway, simulator',
    );
    expect(kiln.stderr()).toContain('Usage: kiln start [options] [service]');
  });
});

describeWith(['kafka', 'postgres'], 'kiln start oee on Kafka and PostgreSQL', () => {
  const { kafkaBrokers, postgresUrl } = serviceEndpoints();
  const schema = uniqueName('kiln_start_oee').replace(/[^a-z0-9_]/g, '_');

  afterAll(async () => {
    const db = new PgDatabase({ connectionString: postgresUrl, applicationName: 'kiln start oee test' });
    try {
      await dropMigratedSchema(db, schema);
    } finally {
      await db.close();
    }
  });

  it('runs the OEE service alone: its ops server answers /healthz and /readyz, and SIGTERM exits 0', async () => {
    const opsPort = await freePort();
    const base = `http://127.0.0.1:${opsPort}`;
    const kiln = run(KILN_MAIN, ['start', 'oee'], {
      // The OEE service's own variables (services/oee): KILN_HTTP_* is its ops server.
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(opsPort),
      KILN_BUS: 'kafka',
      KILN_KAFKA_BROKERS: kafkaBrokers.join(','),
      KILN_KAFKA_CLIENT_ID: uniqueName('kiln-start-oee'),
      KILN_DATABASE_URL: postgresUrl,
      KILN_DATABASE_SCHEMA: schema,
    });
    try {
      // Ready once the schema is migrated and the consumer is a member of its group.
      await waitForReady(base, kiln, 60_000);
      expect((await httpStatus(`${base}/healthz`))?.status).toBe(200);
      const ready = JSON.parse((await httpStatus(`${base}/readyz`))?.body ?? '{}') as Record<string, unknown>;
      expect(ready).toMatchObject({ checks: { bus: 'ok', database: 'ok', consumer: 'ok' } });
      expect(kiln.events()).toContainEqual(expect.objectContaining({ service: 'oee', msg: 'oee started' }));
    } finally {
      kiln.child.kill('SIGTERM');
    }
    expect((await exitWithin(kiln, 15_000)).code).toBe(0);
    expect(kiln.events()).toContainEqual(expect.objectContaining({ msg: 'oee stopped', exitCode: 0 }));
  });
});
