// npm run bench (in services/normalization, after a build): telemetry rows per second from kiln.raw.v1 on the
// real Kafka into PostgreSQL through the normalization consumer. A generated plant under an enterprise id of
// its own; a fresh schema, dropped afterwards; a consumer group of its own that starts at the end of the topic.
// Rows/s are timed from the first row in the table until all N are there.
// Settings (env): KILN_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), KAFKA_BROKERS (127.0.0.1:9092),
// KILN_BENCH_SAMPLES (500000), KILN_BENCH_BATCH (1000 samples per raw record), KILN_BENCH_LINES (10 sources),
// KILN_BENCH_MAX_BATCH (500 records per handled batch), KILN_BENCH_ROLLUPS (1: refresh rollups as in production).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@kiln/bus';
import {
  encodeEvent,
  eventTopics,
  Quality,
  topics,
  type RawSample,
  type RawSampleBatch,
} from '@kiln/contracts';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { analyticsSchemaName, migrate, MemoryHotState, PgDatabase } from '@kiln/timeseries';
// The service's own modules as built: a bench drives what ships (dist/), and it lives beside src/ so that
// dist/ holds no bench.
import { normalizationSectionSchema } from '../dist/config';
import { startNormalization } from '../dist/normalization';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const url = process.env['KILN_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const samplesWanted = positiveInt('KILN_BENCH_SAMPLES', 500_000);
const samplesPerRecord = positiveInt('KILN_BENCH_BATCH', 1_000);
const lines = positiveInt('KILN_BENCH_LINES', 10);
const maxBatchSize = positiveInt('KILN_BENCH_MAX_BATCH', 500);
const rollups = process.env['KILN_BENCH_ROLLUPS'] !== '0';

const ASSETS_PER_LINE = 10;
const SIGNALS_PER_ASSET = 10;
const SIGNALS_PER_LINE = ASSETS_PER_LINE * SIGNALS_PER_ASSET;
const STEP_US = 100_000;
const START_US = Date.UTC(2026, 0, 5, 6) * 1000;

function plantYaml(enterprise: string): string {
  const signals = Array.from({ length: SIGNALS_PER_ASSET }, (_, s) => `                  - { name: s${s} }`);
  const assets = Array.from(
    { length: ASSETS_PER_LINE },
    (_, a) => `              - id: a${a}\n                signals:\n${signals.join('\n')}`,
  );
  const lineBlocks = Array.from(
    { length: lines },
    (_, l) => `          - id: line-${l}\n            assets:\n${assets.join('\n')}`,
  );
  return `enterprise: { id: ${enterprise} }
sites:
  - id: site
    areas:
      - id: area
        lines:
${lineBlocks.join('\n')}
mappings:
  - name: every-signal
    source: 'bench/${enterprise}/{line}'
    tag: '{asset}/{signal}'
    asset: ${enterprise}/site/area/{line}/{asset}
    signal: '{signal}'
`;
}

/** Record `index` of a line: `samplesPerRecord` samples, every signal of the line at successive times. */
function rawRecord(enterprise: string, line: number, index: number): RawSampleBatch {
  const samples: RawSample[] = [];
  for (let k = 0; k < samplesPerRecord; k += 1) {
    const n = index * samplesPerRecord + k;
    const signal = n % SIGNALS_PER_LINE;
    const timeUs = START_US + Math.floor(n / SIGNALS_PER_LINE) * STEP_US;
    samples.push({
      tag: `A${Math.floor(signal / SIGNALS_PER_ASSET)}/s${signal % SIGNALS_PER_ASSET}`,
      value: { kind: { $case: 'numberValue', value: Math.sin(n / 50) * 100 } },
      quality: Quality.QUALITY_GOOD,
      statusCode: 0,
      sourceTimeUs: timeUs,
      receiveTimeUs: timeUs + 1_000,
    });
  }
  return { sourceId: `bench/${enterprise}/line-${line}`, connector: 'bench', samples };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const enterprise = `bench-${id}`;
  const schema = `bench_norm_${id}`;
  const records = Math.ceil(samplesWanted / samplesPerRecord);
  const total = records * samplesPerRecord;
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
  const plantFile = join(dir, 'plant.yaml');
  writeFileSync(plantFile, plantYaml(enterprise));

  const db = new PgDatabase({ connectionString: url, maxConnections: 6 });
  const logger = createLogger({ service: 'normalization-bench', level: 'warn' });
  const bus = new KafkaBus({ brokers, clientId: enterprise, service: 'normalization', logger });
  const producer = new KafkaBus({ brokers, clientId: `${enterprise}-producer`, service: 'bench' });
  const lifecycle = manualLifecycle();
  try {
    const { backend } = await migrate(db, { schema });
    await bus.provision([
      topics.raw,
      topics.telemetry,
      topics.machineState,
      topics.productionCount,
      topics.dlq,
    ]);
    const section = normalizationSectionSchema.parse({
      plantFile,
      groupId: `normalization-bench-${id}`,
      startFrom: 'latest',
      maxBatchSize,
      reloadOnChange: false,
      rollupRefresh: { enabled: rollups },
    });
    const normalization = await startNormalization(lifecycle, section, {
      bus,
      logger,
      registry: createMetricsRegistry({ service: 'normalization', processMetrics: false }),
      db,
      schema,
      hotState: new MemoryHotState(),
    });
    while (!normalization.isReady()) await sleep(100);
    await sleep(3_000); // the group resolves "latest" on its first fetch

    const count = async (): Promise<number> => {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".telemetry`);
      return Number(rows[0]?.n ?? 0);
    };
    let firstRowAt: bigint | undefined;
    let done = false;
    const watcher = (async () => {
      while (!done) {
        const rows = await count();
        if (rows > 0 && firstRowAt === undefined) firstRowAt = process.hrtime.bigint();
        if (rows >= total) break;
        await sleep(100);
      }
      return process.hrtime.bigint();
    })();

    const publishStarted = process.hrtime.bigint();
    const perPublish = 20;
    for (let start = 0; start < records; start += perPublish) {
      const chunk = Array.from({ length: Math.min(perPublish, records - start) }, (_, k) => {
        const index = start + k;
        return encodeEvent(eventTopics.raw, rawRecord(enterprise, index % lines, Math.floor(index / lines)));
      });
      await producer.publish(topics.raw.name, chunk);
    }
    const publishSeconds = Number(process.hrtime.bigint() - publishStarted) / 1e9;

    // Unreferenced: once the rows are in, the pending deadline must not keep the process alive for 10 minutes.
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), 600_000).unref(),
    );
    const finishedAt = await Promise.race([watcher, timeout]);
    done = true;
    if (finishedAt === 'timeout' || firstRowAt === undefined) {
      throw new Error(`not all ${total} rows arrived within 10 minutes (have ${await count()})`);
    }
    const seconds = Number(finishedAt - firstRowAt) / 1e9;
    const endToEnd = Number(finishedAt - publishStarted) / 1e9;
    const assignments = normalization.subscription.assignments().length;
    console.log(
      `historian from Kafka: ${total} rows in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} rows/s ` +
        `(${samplesPerRecord} samples per record, up to ${maxBatchSize} records per batch, ${lines} sources over ` +
        `${assignments} partitions, ${backend}, rollups ${rollups ? 'on' : 'off'}; publishing took ` +
        `${publishSeconds.toFixed(1)} s, end to end ${endToEnd.toFixed(1)} s)`,
    );
  } finally {
    await lifecycle.stopAll().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await producer.close().catch(() => undefined);
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.query(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`).catch(() => undefined);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
