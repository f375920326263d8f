// npm run bench:bus: produce -> consume throughput of 1 KiB records in batches through the real broker.
// Each run provisions a fresh 12-partition topic, starts one consumer group, publishes the records in
// batches from a few concurrent publishers and stops the clock when the group has handled the last one.
// Settings (env): KAFKA_BROKERS (127.0.0.1:9092), KILN_BENCH_EVENTS (200000), KILN_BENCH_BATCH (1000),
// KILN_BENCH_RECORD_BYTES (1024), KILN_BENCH_COMPRESSION (both | gzip | none).
import { randomBytes } from 'node:crypto';
import { topics as catalogue } from '@kiln/contracts';
import { KafkaBus, type OutgoingRecord } from '@kiln/bus';

interface BenchSettings {
  brokers: string[];
  events: number;
  batch: number;
  recordBytes: number;
  publishers: number;
}

interface BenchResult {
  compression: 'gzip' | 'none';
  produceSeconds: number;
  endToEndSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
}

const KEYS = 400;

function settingsFromEnv(): { settings: BenchSettings; compressions: ('gzip' | 'none')[] } {
  const int = (name: string, fallback: number): number => {
    const raw = process.env[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got "${raw}"`);
    return value;
  };
  const compression = process.env['KILN_BENCH_COMPRESSION'] ?? 'both';
  if (!['both', 'gzip', 'none'].includes(compression)) {
    throw new Error(`KILN_BENCH_COMPRESSION must be both, gzip or none, got "${compression}"`);
  }
  return {
    settings: {
      brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      events: int('KILN_BENCH_EVENTS', 200_000),
      batch: int('KILN_BENCH_BATCH', 1_000),
      recordBytes: int('KILN_BENCH_RECORD_BYTES', 1_024),
      publishers: int('KILN_BENCH_PUBLISHERS', 4),
    },
    compressions: compression === 'both' ? ['gzip', 'none'] : [compression as 'gzip' | 'none'],
  };
}

/** A payload like a batch of samples: JSON around hex-encoded measurements (compresses about 2:1). */
function payload(bytes: number, seq: number): Buffer {
  const head = `{"seq":${seq},"samples":"`;
  const hexLength = Math.max(0, bytes - head.length - 2);
  const hex = randomBytes(Math.ceil(hexLength / 2))
    .toString('hex')
    .slice(0, hexLength);
  return Buffer.from(`${head}${hex}"}`, 'utf8');
}

async function runOnce(settings: BenchSettings, compression: 'gzip' | 'none'): Promise<BenchResult> {
  const bus = new KafkaBus({
    brokers: settings.brokers,
    clientId: 'kiln-bench',
    service: 'bench',
    compression,
    partitionsConsumedConcurrently: 12,
  });
  const topic = `bench.bus.${compression}.${Date.now().toString(36)}`;
  await bus.provision([{ ...catalogue.telemetry, name: topic, retentionMs: 3_600_000 }]);

  const latencies: number[] = [];
  let consumed = 0;
  let done: () => void = () => undefined;
  const allConsumed = new Promise<void>((resolve) => {
    done = resolve;
  });
  const subscription = await bus.subscribe({
    groupId: `${topic}.consumer`,
    topics: [topic],
    maxBatchSize: 1_000,
    handler: async (batch) => {
      const now = Date.now();
      for (const record of batch.records) latencies.push(now - record.timestamp);
      consumed += batch.records.length;
      if (consumed >= settings.events) done();
    },
  });
  while (!subscription.isReady()) await new Promise((resolve) => setTimeout(resolve, 50));

  const started = process.hrtime.bigint();
  let next = 0;
  const publisher = async (): Promise<void> => {
    for (;;) {
      const first = next;
      if (first >= settings.events) return;
      next = Math.min(settings.events, first + settings.batch);
      const records: OutgoingRecord[] = [];
      for (let seq = first; seq < next; seq += 1) {
        records.push({ key: `asset-${seq % KEYS}`, value: payload(settings.recordBytes, seq) });
      }
      await bus.publish(topic, records);
    }
  };
  await Promise.all(Array.from({ length: settings.publishers }, publisher));
  const produced = process.hrtime.bigint();
  await allConsumed;
  const finished = process.hrtime.bigint();
  await bus.close();

  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    compression,
    produceSeconds: Number(produced - started) / 1e9,
    endToEndSeconds: Number(finished - started) / 1e9,
    latencyMs: { p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

async function main(): Promise<void> {
  const { settings, compressions } = settingsFromEnv();
  console.log(
    `bench:bus: ${settings.events} records of ${settings.recordBytes} B, published in batches of ${settings.batch} ` +
      `by ${settings.publishers} publishers, 12 partitions, one consumer group, broker ${settings.brokers.join(',')}`,
  );
  for (const compression of compressions) {
    const result = await runOnce(settings, compression);
    const mb = (settings.events * settings.recordBytes) / 1024 / 1024;
    console.log(
      `${compression.padEnd(4)}  produce ${Math.round(settings.events / result.produceSeconds)} events/s` +
        `  produce->consume ${Math.round(settings.events / result.endToEndSeconds)} events/s` +
        ` (${(mb / result.endToEndSeconds).toFixed(1)} MiB/s, ${result.endToEndSeconds.toFixed(2)} s)` +
        `  latency p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms max ${result.latencyMs.max} ms`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
