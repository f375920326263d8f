// `kiln start` as a user runs it: boots on embedded defaults and stays healthy, serves the gateway's REST and
// gRPC APIs with the admin key it keeps in the data directory, refuses a bad configuration naming the key, stops
// cleanly on a signal.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { exitWithin, freePort, httpStatus, KILN_MAIN, run, waitForReady } from './support';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-cli-'));

/** Settings that keep a test's kiln start off fixed ports and out of the working tree. */
function embedded(dataDir = mkdtempSync(join(scratch, 'data-'))): Record<string, string> {
  return {
    KILN_SIMULATOR_OPCUA_PORT: '0',
    KILN_GRPC_PORT: '0',
    // The embedded database, the ingestion buffer, the PKI folders and the admin key all go under it.
    KILN_DATA_DIR: dataDir,
  };
}

/** GET with a bearer token. */
async function getWith(url: string, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: await response.text() };
}

/** The gRPC address kiln start printed (`gRPC  127.0.0.1:<port>`), its port chosen by the system. */
function grpcAddressOf(stdout: string): string {
  const address = /gRPC\s+(\S+:\d+)/.exec(stdout)?.[1];
  if (address === undefined) throw new Error(`no gRPC address in the output:\n${stdout.slice(-2_000)}`);
  return address;
}

interface HealthClient extends Client {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response: { status: string }) => void,
  ): void;
}

/** grpc.health.v1.Health/Check of the whole server (service ''). */
async function grpcHealth(address: string): Promise<string> {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, { keepCase: true, enums: String }));
  const grpc = definition['grpc'] as Record<string, Record<string, Record<string, unknown>>>;
  const Health = grpc['health']?.['v1']?.['Health'] as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
  ) => HealthClient;
  const client = new Health(address, credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service: '' }, (error, response) =>
        error === null ? resolve(response.status) : reject(error),
      ),
    );
  } finally {
    client.close();
  }
}

// Starting kiln (the embedded database above all) takes seconds on a quiet machine and much longer on a busy one.
const READY_WITHIN_MS = 60_000;
const START_TEST_TIMEOUT_MS = 180_000;

describe('kiln start on embedded defaults', () => {
  it(
    'boots with the simulated factory feeding ingestion, normalization and OEE, stays healthy, and exits 0 on SIGINT',
    async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const dataDir = mkdtempSync(join(scratch, 'data-'));
      const keyFile = join(dataDir, 'admin-api-key');
      const kiln = run(KILN_MAIN, ['start'], {
        ...embedded(dataDir),
        KILN_HTTP_HOST: '127.0.0.1',
        KILN_HTTP_PORT: String(port),
        // Ten times real time: state changes and parts within seconds, while the simulated clock stays within
        // normalization's clock-skew limit (5 min) for the length of the test.
        KILN_SIMULATOR_SPEED_FACTOR: '10',
      });
      try {
        await waitForReady(base, kiln, READY_WITHIN_MS);
        // The gateway's REST server is the ops server too: /readyz runs every component's check and answers as
        // every service's ops server does.
        const ready = JSON.parse((await httpStatus(`${base}/readyz`))?.body ?? '{}') as {
          status?: string;
          checks?: Record<string, string>;
        };
        expect(ready.status).toBe('ready');
        expect(Object.keys(ready.checks ?? {})).toEqual(
          expect.arrayContaining(['bus', 'dlq-monitor', 'connectors']),
        );
        expect(Object.values(ready.checks ?? {}).every((outcome) => outcome === 'ok')).toBe(true);
        await waitUntil(() => kiln.stdout().includes('Admin key'), { timeoutMs: 10_000, what: 'the banner' });
        const adminKey = readFileSync(keyFile, 'utf8').trim();
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        expect(kiln.stdout()).toContain(`Admin key  ${adminKey}`);
        const metricsOf = async (): Promise<{ body: string }> => getWith(`${base}/metrics`, adminKey);
        // The simulated factory feeds ingestion over OPC UA; normalization stores the samples as telemetry.
        await waitUntil(async () => telemetryRows(await metricsOf()) > 0, {
          timeoutMs: 30_000,
          what: 'samples from the simulated factory in the telemetry table',
        });
        // OEE consumes the machine states normalization publishes and keeps the open windows of the machines live.
        await waitUntil(
          async () => {
            const metrics = (await metricsOf()).body;
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
        expect(kiln.events()).toContainEqual(
          expect.objectContaining({ component: 'oee', msg: 'oee started' }),
        );
        // Still healthy a while later, not just at boot.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect((await httpStatus(`${base}/healthz`))?.status).toBe(200);
        const metrics = await metricsOf();
        expect(metrics.body).toContain('process_cpu_user_seconds_total');
        expect(metrics.body).toContain('kiln_dlq_records_total');
        expect(kiln.events().some((line) => line['msg'] === 'event bus ready')).toBe(true);

        // The gateway's API: the embedded plant's assets with the admin key, nothing without a key.
        const assets = await getWith(`${base}/api/v1/assets?pageSize=1000`, adminKey);
        expect(assets.status).toBe(200);
        const ids = (JSON.parse(assets.body) as { items: { id: string }[] }).items.map((asset) => asset.id);
        expect(ids).toContain('acme/plant-1/assembly/line-1/machine-1');
        expect((await httpStatus(`${base}/api/v1/assets`))?.status).toBe(401);
        expect((await getWith(`${base}/metrics`, 'kiln_nobody_000000000000000000000000')).status).toBe(401);
        expect(await grpcHealth(grpcAddressOf(kiln.stdout()))).toBe('SERVING');
      } finally {
        kiln.child.kill('SIGINT');
      }
      const { code } = await exitWithin(kiln, 15_000);
      expect(code).toBe(0);
      expect(kiln.events().some((line) => line['msg'] === 'kiln stopped' && line['exitCode'] === 0)).toBe(
        true,
      );
      // The gateway stops first, before the services and the database it reads.
      const stopped = kiln.events().flatMap((line) => (typeof line['msg'] === 'string' ? [line['msg']] : []));
      expect(stopped.indexOf('gateway rest stopped')).toBeGreaterThan(-1);
      expect(stopped.indexOf('gateway rest stopped')).toBeLessThan(stopped.indexOf('oee consumer stopped'));
      expect(stopped.indexOf('gateway rest stopped')).toBeLessThan(stopped.indexOf('database stopped'));
    },
    START_TEST_TIMEOUT_MS,
  );

  it(
    'keeps its admin key across restarts and seeds it into a fresh database',
    async () => {
      const dataDir = mkdtempSync(join(scratch, 'data-'));
      const keyFile = join(dataDir, 'admin-api-key');
      const startOnce = async (databaseDir: string): Promise<{ stdout: string; assetsStatus: number }> => {
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const kiln = run(KILN_MAIN, ['start'], {
          ...embedded(dataDir),
          KILN_SIMULATOR: 'false',
          KILN_HTTP_PORT: String(port),
          KILN_DATABASE_EMBEDDED_DIR: databaseDir,
        });
        try {
          await waitForReady(base, kiln, READY_WITHIN_MS);
          // Printed once start-up is complete, just after the REST server began to answer.
          await waitUntil(() => kiln.stdout().includes('Admin key'), {
            timeoutMs: 10_000,
            what: 'the banner',
          });
          const key = readFileSync(keyFile, 'utf8').trim();
          return {
            stdout: kiln.stdout(),
            assetsStatus: (await getWith(`${base}/api/v1/assets`, key)).status,
          };
        } finally {
          kiln.child.kill('SIGTERM');
          expect((await exitWithin(kiln, 15_000)).code).toBe(0);
        }
      };
      const first = await startOnce(mkdtempSync(join(scratch, 'db-')));
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(first.assetsStatus).toBe(200);
      const second = await startOnce(mkdtempSync(join(scratch, 'db-')));
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
      // Printed once, when created (issue 18): later starts say where it is, not what it is.
      expect(first.stdout).toContain(`Admin key  ${key}`);
      expect(second.stdout).not.toContain(key);
      expect(second.stdout).toContain(
        `Admin key  in ${keyFile}  (every site; printed only when it was created)`,
      );
      expect(second.assetsStatus).toBe(200);
    },
    START_TEST_TIMEOUT_MS,
  );

  it(
    'takes KILN_ADMIN_API_KEY instead, and neither prints it nor writes a key file',
    async () => {
      const dataDir = mkdtempSync(join(scratch, 'data-'));
      const adminKey = 'an-admin-key-from-the-environment-0123456789';
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const kiln = run(KILN_MAIN, ['start'], {
        ...embedded(dataDir),
        KILN_SIMULATOR: 'false',
        KILN_HTTP_PORT: String(port),
        KILN_ADMIN_API_KEY: adminKey,
      });
      try {
        await waitForReady(base, kiln, READY_WITHIN_MS);
        await waitUntil(() => kiln.stdout().includes('Admin key'), { timeoutMs: 10_000, what: 'the banner' });
        expect((await getWith(`${base}/api/v1/assets`, adminKey)).status).toBe(200);
        expect(kiln.stdout()).not.toContain(adminKey);
        expect(kiln.stdout()).toContain('Admin key  the value of KILN_ADMIN_API_KEY');
        expect(() => statSync(join(dataDir, 'admin-api-key'))).toThrow();
      } finally {
        kiln.child.kill('SIGTERM');
      }
      expect((await exitWithin(kiln, 15_000)).code).toBe(0);
    },
    START_TEST_TIMEOUT_MS,
  );
});

describe('kiln start in a terminal', () => {
  it(
    'ends on a hangup (its terminal closed) as any foreground command does: only a service alone reloads on SIGHUP',
    async () => {
      const port = await freePort();
      const kiln = run(KILN_MAIN, ['start'], {
        ...embedded(),
        KILN_SIMULATOR: 'false',
        KILN_HTTP_PORT: String(port),
      });
      try {
        await waitForReady(`http://127.0.0.1:${port}`, kiln, READY_WITHIN_MS);
        kiln.child.kill('SIGHUP');
        expect((await exitWithin(kiln, 15_000)).signal).toBe('SIGHUP');
      } finally {
        kiln.child.kill('SIGKILL');
      }
    },
    START_TEST_TIMEOUT_MS,
  );
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

  it('refuses gateway.http.port, which http.port replaces in kiln start', async () => {
    const file = join(scratch, 'gateway.yaml');
    writeFileSync(file, 'gateway:\n  http:\n    port: 9000\n');
    const kiln = run(KILN_MAIN, ['start', '--config', file], {});
    const { code } = await exitWithin(kiln, 15_000);
    expect(code).toBe(1);
    expect(kiln.stdout()).toContain(`${file}:3:5 gateway.http.port: unrecognized key`);
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
  it(
    'provisions the catalogue and is ready with KILN_BUS=kafka',
    async () => {
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
    },
    START_TEST_TIMEOUT_MS,
  );
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

  it(
    'keeps live OEE of the simulated machines in Redis, by the embedded shift calendar and plant settings',
    async () => {
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
        await waitForReady(base, kiln, READY_WITHIN_MS);
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
    },
    START_TEST_TIMEOUT_MS,
  );
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
