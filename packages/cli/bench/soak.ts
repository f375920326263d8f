// npm run bench:soak -w @kiln/cli: the in-process mode (`kiln start`) under a steady HTTP load, to see whether
// its memory stays flat. Starts dist/main.js start as a child on a fresh data directory (an HTTP connector, a plant
// whose rules map the posted tags), posts batches of 500 samples at a fixed rate and prints, every few seconds,
// the child's RSS (/proc/<pid>/status) and what its /metrics tells (heap, external memory, event-loop delay p99)
// and the rows stored. Settings (env): KILN_SOAK_RATE (samples/s, 30000), KILN_SOAK_SECONDS (600),
// KILN_SOAK_SAMPLE_SECONDS (10), KILN_SOAK_NODE_OPTIONS (extra node flags for the child, e.g. --inspect),
// KILN_SOAK_CONFIG (YAML lines appended to the child's configuration).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const BATCH = 500;
const MAX_IN_FLIGHT = 64;
const MAIN = join(__dirname, '..', 'dist', 'main.js');
const EMBEDDED_PLANT = join(__dirname, '..', 'embedded', 'plant.yaml');
const LINES = ['line-1', 'line-2'];
const MACHINES = ['machine-1', 'machine-2', 'machine-3', 'machine-4'];
const SIGNALS = ['temperature', 'motorCurrent', 'vibration', 'speed', 'cycleTime'];
const TAGS = LINES.flatMap((line) =>
  MACHINES.flatMap((machine) => SIGNALS.map((signal) => `Plant/${line}/${machine}/${signal}`)),
);

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The embedded plant with its rules taking the posted tags from any HTTP source. */
async function writeBenchPlant(dir: string): Promise<string> {
  const plant = (await readFile(EMBEDDED_PLANT, 'utf8')).replaceAll('source: opcua/*', "source: 'http/*'");
  const file = join(dir, 'plant.yaml');
  await writeFile(file, plant);
  return file;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

/** The sum of a metric over all its label sets. */
function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function batchBody(sequence: number): string {
  // Distinct microsecond times per tag so that the duplicate window drops none of them.
  const baseUs = BigInt(Date.now()) * 1000n;
  const samples = Array.from({ length: BATCH }, (_, i) => {
    const us = baseUs + BigInt(i);
    const seconds = us / 1_000_000n;
    const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
    return {
      tag: TAGS[(sequence * BATCH + i) % TAGS.length],
      value: (i % 97) + 0.5,
      timestamp: `${iso}.${String(us % 1_000_000n).padStart(6, '0')}Z`,
    };
  });
  return JSON.stringify({ source: 'bench', samples });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`kiln start exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(1000);
  }
  throw new Error('kiln start did not become ready within 10 minutes');
}

async function main(): Promise<void> {
  const rate = intFromEnv('KILN_SOAK_RATE', 30_000);
  const seconds = intFromEnv('KILN_SOAK_SECONDS', 600);
  const every = intFromEnv('KILN_SOAK_SAMPLE_SECONDS', 10);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-soak-'));
  const [httpPort, pushPort] = [await freePort(), await freePort()];
  const config = join(dir, 'kiln.yaml');
  await writeFile(
    config,
    [
      `dataDir: ${join(dir, 'data')}`,
      `http: { port: ${httpPort} }`,
      `log: { level: warn }`,
      `normalization: { plantFile: ${await writeBenchPlant(dir)} }`,
      `ingestion:`,
      `  connectors:`,
      `    - { kind: http, id: push, port: ${pushPort}, maxBodyBytes: 4194304 }`,
      process.env['KILN_SOAK_CONFIG'] ?? '',
      '',
    ].join('\n'),
  );
  const nodeFlags = (process.env['KILN_SOAK_NODE_OPTIONS'] ?? '').split(' ').filter((flag) => flag !== '');
  const child = spawn(process.execPath, [...nodeFlags, MAIN, 'start', '--config', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KILN_CONFIG: '' },
  });
  const pid = child.pid ?? 0;
  console.log(`kiln start pid ${pid}, data ${dir}, ${rate} samples/s for ${seconds} s`);
  try {
    await waitReady(`http://127.0.0.1:${httpPort}/readyz`, child);
    const adminKey = (await readFile(join(dir, 'data', 'admin-api-key'), 'utf8')).trim();
    const pushUrl = `http://127.0.0.1:${pushPort}/api/v1/samples`;
    const interval = (BATCH / rate) * 1000;
    const started = performance.now();
    let sent = 0;
    let refused = 0;
    let skipped = 0;
    let lastRefusal = '';
    let inFlight = 0;
    let sequence = 0;
    let nextReport = every;
    console.log('t_s\taccepted\trss_MiB\theap_MiB\text_MiB\tlag_p99_ms\tstored\tin_flight\tskipped\trefused');
    while (performance.now() - started < seconds * 1000) {
      const due = started + sequence * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sequence += 1;
      // A platform that falls behind is not buried under ever more open requests: the batch is skipped instead.
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped += BATCH;
        continue;
      }
      const body = batchBody(sequence);
      inFlight += 1;
      void fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 202) sent += BATCH;
          else {
            refused += BATCH;
            lastRefusal = `${response.status}`;
          }
        })
        .catch((error: unknown) => {
          refused += BATCH;
          lastRefusal = String(error);
        })
        .finally(() => {
          inFlight -= 1;
        });
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= nextReport) {
        nextReport += every;
        const text = await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
          headers: { authorization: `Bearer ${adminKey}` },
        }).then(
          (response) => response.text(),
          () => '',
        );
        const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
        console.log(
          [
            elapsed.toFixed(0),
            sent,
            mib(await rssBytes(pid)),
            mib(metricSum(text, 'nodejs_heap_size_used_bytes')),
            mib(metricSum(text, 'nodejs_external_memory_bytes')),
            (metricSum(text, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(0),
            metricSum(text, 'kiln_normalization_rows_written_total'),
            inFlight,
            skipped,
            `${refused}${lastRefusal === '' ? '' : ` (${lastRefusal})`}`,
          ].join('\t'),
        );
      }
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // The embedded database of a long run takes gigabytes.
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
