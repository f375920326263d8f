// `kiln start` as a user runs it: boots on embedded defaults and stays healthy, refuses a bad configuration
// naming the key, stops cleanly on a signal.
import { execFileSync } from 'node:child_process';
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
  it('boots with the simulated factory feeding ingestion, normalization and OEE, stays healthy, and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const kiln = run(KILN_MAIN, ['start'], {
      ...embedded(),
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
      // Ten times real time: state changes and parts within seconds, while the simulated clock stays within
      // normalization's clock-skew limit (5 min) for the length of the test.
      KILN_SIMULATOR_SPEED_FACTOR: '10',
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
          'live-oee': 'ok',
          oee: 'ok',
          'dlq-monitor': 'ok',
          connectors: 'ok',
        },
      });
      // The simulated factory feeds ingestion over OPC UA; normalization stores the samples as telemetry.
      await waitUntil(async () => telemetryRows(await httpStatus(`${base}/metrics`)) > 0, {
        timeoutMs: 30_000,
        what: 'samples from the simulated factory in the telemetry table',
      });
      // OEE consumes the machine states normalization publishes and keeps the open windows of the machines live.
      await waitUntil(
        async () => {
          const metrics = (await httpStatus(`${base}/metrics`))?.body ?? '';
          return (
            counterValue(metrics, 'kiln_oee_events_total', 'topic="kiln.machine-state.v1"') > 0 &&
            counterValue(metrics, 'kiln_oee_windows_computed_total', 'phase="live"') > 0
          );
        },
        {
          timeoutMs: 30_000,
          what: 'OEE to consume machine states and compute live windows',
          describe: () => kiln.stdout().slice(-2_000),
        },
      );
      expect(kiln.events()).toContainEqual(expect.objectContaining({ component: 'oee', msg: 'oee started' }));
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
    // The shared broker holds other tests' and benches' machine states: a new OEE group of its own, from now on,
    // rather than the whole history into the embedded database.
    const file = join(scratch, 'kafka.yaml');
    writeFileSync(file, `oee:\n  groupId: ${uniqueName('kiln-start-oee')}\n  startFrom: latest\n`);
    const kiln = run(KILN_MAIN, ['start', '--config', file], {
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

describeWith(['redis'], 'kiln start with Redis', () => {
  const { redisUrl } = serviceEndpoints();
  const keyPrefix = `${uniqueName('kiln-cli-test')}:`;
  const redis = (...args: string[]): string =>
    execFileSync('redis-cli', ['-u', redisUrl, '--raw', ...args], { encoding: 'utf8' }).trim();

  afterAll(() => {
    for (const key of redis('--scan', '--pattern', `${keyPrefix}*`).split('\n')) {
      if (key !== '') redis('DEL', key);
    }
  });

  it('keeps live OEE of the simulated machines in Redis, by the embedded shift calendar and plant settings', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const file = join(scratch, 'redis.yaml');
    writeFileSync(file, `redis:\n  url: ${redisUrl}\n  keyPrefix: '${keyPrefix}'\n`);
    const kiln = run(KILN_MAIN, ['start', '--config', file], {
      ...embedded(),
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
    });
    const assetId = 'acme/plant-1/assembly/line-1/machine-1';
    let shift: Record<string, unknown> = {};
    try {
      await waitForReady(base, kiln, 20_000);
      await waitUntil(
        () => {
          const raw = redis('GET', `${keyPrefix}oee:${assetId}:SHIFT`);
          if (raw !== '') shift = JSON.parse(raw) as Record<string, unknown>;
          return raw !== '';
        },
        {
          timeoutMs: 30_000,
          what: `live OEE of the current shift of ${assetId} in Redis`,
          describe: () => kiln.stdout().slice(-2_000),
        },
      );
    } finally {
      kiln.child.kill('SIGTERM');
    }
    expect((await exitWithin(kiln, 15_000)).code).toBe(0);
    expect(shift['assetId']).toBe(assetId);
    // embedded/shifts.yaml: early 06-14, late 14-22, night 22-06 (UTC), ids `<name>@<local start date>`.
    const startHourUtc = new Date(Number(shift['windowStartUs']) / 1000).getUTCHours();
    const name = { 6: 'early', 14: 'late', 22: 'night' }[startHourUtc];
    expect(String(shift['windowRef'])).toMatch(new RegExp(`^${name}@\\d{4}-\\d{2}-\\d{2}$`));
    // The embedded plant's settings (plant.yaml), stored with the result.
    expect(shift['settings']).toMatchObject({ defaultIdealCycleTimeS: 10, microStopThresholdS: 120 });
  });
});

function telemetryRows(metrics: { body: string } | undefined): number {
  return counterValue(metrics?.body ?? '', 'kiln_normalization_rows_inserted_total', 'table="telemetry"');
}

/** The value of the first series of a Prometheus counter whose labels include `label`, else 0. */
function counterValue(metrics: string, name: string, label: string): number {
  const series = metrics
    .split('\n')
    .find((line) => line.startsWith(`${name}{`) && line.slice(0, line.indexOf('}')).includes(label));
  return Number(series?.slice(series.lastIndexOf(' ') + 1) ?? 0);
}
