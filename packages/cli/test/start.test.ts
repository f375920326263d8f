// `kiln start` as a user runs it: boots on embedded defaults and stays healthy, refuses a bad configuration
// naming the key, stops cleanly on a signal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { exitWithin, freePort, httpStatus, KILN_MAIN, run, waitForReady } from './support';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-cli-'));

/** Settings that keep a test's kiln start off fixed ports and out of the working tree. */
function embedded(): Record<string, string> {
  return {
    KILN_SIMULATOR_OPCUA_PORT: '0',
    KILN_INGESTION_BUFFER_DIRECTORY: mkdtempSync(join(scratch, 'buffer-')),
    KILN_DATABASE_EMBEDDED_DIR: mkdtempSync(join(scratch, 'db-')),
  };
}

describe('kiln start on embedded defaults', () => {
  it('boots with the simulated factory feeding ingestion and normalization, stays healthy, and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const kiln = run(KILN_MAIN, ['start'], {
      ...embedded(),
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
    });
    try {
      await waitForReady(base, kiln, 20_000);
      const ready = await httpStatus(`${base}/readyz`);
      expect(JSON.parse(ready?.body ?? '{}')).toEqual({
        status: 'ready',
        checks: {
          bus: 'ok',
          database: 'ok',
          'hot-state': 'ok',
          normalization: 'ok',
          'dlq-monitor': 'ok',
          connectors: 'ok',
        },
      });
      // The simulated factory feeds ingestion over OPC UA; normalization stores the samples as telemetry.
      await waitUntil(async () => telemetryRows(await httpStatus(`${base}/metrics`)) > 0, {
        timeoutMs: 30_000,
        what: 'samples from the simulated factory in the telemetry table',
      });
      // Still healthy a while later, not just at boot.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await httpStatus(`${base}/healthz`))?.status).toBe(200);
      const metrics = await httpStatus(`${base}/metrics`);
      expect(metrics?.body).toContain('process_cpu_user_seconds_total');
      expect(metrics?.body).toContain('kiln_dlq_records_total');
      expect(kiln.events().some((line) => line['msg'] === 'event bus ready')).toBe(true);
    } finally {
      kiln.child.kill('SIGINT');
    }
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(0);
    expect(kiln.events().some((line) => line['msg'] === 'kiln stopped' && line['exitCode'] === 0)).toBe(true);
  });
});

describe('kiln start with a bad configuration', () => {
  it('fails start-up naming the misspelt YAML key with its file and line', async () => {
    const file = join(scratch, 'kiln.yaml');
    writeFileSync(
      file,
      ['http:', '  port: 9000', 'bus:', '  kind: kafka', '  kafka:', '    brokrs: [kafka:9092]', ''].join(
        '\n',
      ),
    );
    const kiln = run(KILN_MAIN, ['start', '--config', file], {});
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(1);
    expect(kiln.stdout()).toContain(`${file}:6:5 bus.kafka.brokrs: unrecognized key`);
    expect(kiln.stdout()).toContain('kiln failed to start');
  });

  it('fails start-up naming the environment variable with a wrong value', async () => {
    const kiln = run(KILN_MAIN, ['start'], { KILN_HTTP_PORT: 'eighty' });
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(1);
    expect(kiln.stdout()).toContain('env KILN_HTTP_PORT (http.port)');
  });

  it('fails start-up naming a value outside its allowed set', async () => {
    const file = join(scratch, 'bus.yaml');
    writeFileSync(file, 'bus:\n  kind: rabbitmq\n');
    const kiln = run(KILN_MAIN, ['start', '-c', file], {});
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(1);
    expect(kiln.stdout()).toMatch(new RegExp(`${file}:2:9 bus\\.kind: .*in-process.*kafka`));
  });
});

describeWith(['kafka'], 'kiln start on the real broker', () => {
  it('provisions the catalogue and is ready with KILN_BUS=kafka', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const kiln = run(KILN_MAIN, ['start'], {
      ...embedded(),
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
      KILN_BUS: 'kafka',
      KILN_KAFKA_BROKERS: serviceEndpoints().kafkaBrokers.join(','),
      KILN_KAFKA_CLIENT_ID: uniqueName('kiln-start-test'),
    });
    try {
      await waitForReady(base, kiln, 60_000);
    } finally {
      kiln.child.kill('SIGTERM');
    }
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(0);
  });
});

function telemetryRows(metrics: { body: string } | undefined): number {
  const match = /^kiln_normalization_rows_inserted_total\{table="telemetry"[^}]*\} (\d+)/m.exec(
    metrics?.body ?? '',
  );
  return Number(match?.[1] ?? 0);
}
