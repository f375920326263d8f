// HTTP push into Kafka on this machine: ingestion runs here (real store-and-forward buffer, real broker), the load
// comes from autocannon in a child process (its own CPU), posting batches of 500 samples of one source each.
// First the validation alone (the schema walk every body took before, against parseSampleBatch's fast path), then
// the whole path: requests answered 202 and samples published to Kafka per second, with this process's CPU.
// Run: npm run build:bench -w @kiln/ingestion && node services/ingestion/dist-bench/http-bench.js
// Settings (env): KAFKA_BROKERS (127.0.0.1:9092), KILN_BENCH_SECONDS (20), KILN_BENCH_CONNECTIONS (16),
// KILN_BENCH_SAMPLES (500 per request), KILN_BENCH_SOURCES (20).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { ingestionSectionSchema } from '../dist/config';
import { parseSampleBatch, sampleBatchSchema } from '../dist/connectors/http/sample-batch';
import type { HttpConnector } from '../dist/connectors/http/http-connector';
import { startIngestion } from '../dist/ingestion';

const env = process.env;
const int = (name: string, fallback: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const brokers = (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const seconds = int('KILN_BENCH_SECONDS', 20);
const connections = int('KILN_BENCH_CONNECTIONS', 16);
const samplesPerRequest = int('KILN_BENCH_SAMPLES', 500);
const sources = int('KILN_BENCH_SOURCES', 20);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

/** One request as a gateway would post it: 50 tags of a machine, ISO times, numbers, a few booleans. */
function body(source: number): string {
  const start = Date.now() - 60_000;
  return JSON.stringify({
    source: `line-${source % 4}/cell-${source}`,
    samples: Array.from({ length: samplesPerRequest }, (_, n) => ({
      tag: `machine-${n % 5}/sensor-${n % 50}`,
      value: n % 10 === 8 ? n % 3 === 0 : Math.round((20 + (n % 50) + Math.random()) * 100) / 100,
      timestamp: new Date(start + Math.floor(n / 50) * 100).toISOString(),
      quality: 'good',
    })),
  });
}

function validation(): void {
  const parsed = JSON.parse(body(0)) as unknown;
  const rounds = 2_000;
  const time = (check: () => unknown): number => {
    for (let n = 0; n < 200; n += 1) check();
    const started = process.hrtime.bigint();
    for (let n = 0; n < rounds; n += 1) check();
    return (rounds * samplesPerRequest) / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  const schema = time(() => sampleBatchSchema.safeParse(parsed));
  const fast = time(() => parseSampleBatch(parsed));
  console.log(
    `validation of a ${samplesPerRequest}-sample body: zod schema ${Math.round(schema / 1000)}k samples/s, ` +
      `fast path ${Math.round(fast / 1000)}k samples/s (${(fast / schema).toFixed(1)}x)`,
  );
}

async function total(registry: ReturnType<typeof createMetricsRegistry>, name: string): Promise<number> {
  const metrics = await registry.getMetricsAsJSON();
  return (
    metrics.find((metric) => metric.name === name)?.values.reduce((sum, value) => sum + value.value, 0) ?? 0
  );
}

async function endToEnd(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-http-'));
  const lifecycle = manualLifecycle();
  try {
    const logger = createLogger({ service: 'bench-http', level: 'warn' });
    const bus = new KafkaBus({ brokers, clientId: 'bench-http', service: 'ingestion' });
    lifecycle.add({ name: 'bus', stop: () => bus.close() });
    await bus.provision([topics.raw, topics.dlq]);
    const registry = createMetricsRegistry({ service: 'bench', processMetrics: false });
    const section = ingestionSectionSchema.parse({
      buffer: { directory: join(dir, 'buffer') },
      connectors: [{ kind: 'http', id: 'bench', host: '127.0.0.1', port: 0 }],
    });
    const ingestion = await startIngestion(lifecycle, section, { bus, logger, registry });
    const http = ingestion.connectors.find((connector) => connector.kind === 'http') as HttpConnector;
    const bodies = Array.from({ length: sources }, (_, source) => body(source));
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, bodies[0] ?? '');
    const publishedBefore = await total(registry, 'kiln_ingestion_samples_published_total');
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          AUTOCANNON,
          '--json',
          '-c',
          String(connections),
          '-d',
          String(seconds),
          '-m',
          'POST',
          '-H',
          'content-type=application/json',
          '-i',
          bodyFile,
          `http://127.0.0.1:${http.address().port}/api/v1/samples`,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', () => resolve(text));
    });
    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const result = JSON.parse(output) as {
      '2xx': number;
      non2xx: number;
      statusCodeStats?: Record<string, { count: number }>;
      latency: { p50: number; p99: number };
    };
    const published = (await total(registry, 'kiln_ingestion_samples_published_total')) - publishedBefore;
    console.log(
      `http: ${connections} connections, ${samplesPerRequest} samples a request, ${seconds} s: ` +
        `${Math.round((result['2xx'] * samplesPerRequest) / elapsed)} samples/s answered 202, ` +
        `${Math.round(published / elapsed)} samples/s published to Kafka, ` +
        `non-2xx ${result.non2xx} (${JSON.stringify(result.statusCodeStats ?? {})}), ` +
        `latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms, ` +
        `ingestion cpu ${Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100)} % of one core, ` +
        `buffered at the end ${ingestion.buffer.stats().samples}`,
    );
  } finally {
    await lifecycle.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  validation();
  await endToEnd();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
