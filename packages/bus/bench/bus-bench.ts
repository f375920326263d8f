// npm run bench:bus: produce -> consume throughput and CPU of each Kafka codec through the real broker, side by side.
// Records are what ingestion writes to kiln.raw.v1: a RawSampleBatch of 500 samples (about 30 KiB), or, with
// KILN_BENCH_PAYLOAD=hex, 1 KiB of JSON around hex. Each run provisions a fresh 12-partition topic, starts one
// consumer group, publishes the records in batches from a few concurrent publishers and stops the clock when the
// group has handled the last one. CPU is this process's (producer and consumer: compression, decompression,
// protobuf) and the broker's (it decompresses each batch to validate it), both per second of the run.
// Settings (env): KAFKA_BROKERS (127.0.0.1:9092), KILN_BENCH_COMPRESSION (all, or a list: none,lz4,zstd,gzip,snappy),
// KILN_BENCH_PAYLOAD (raw | hex), KILN_BENCH_EVENTS (4000 raw records, 200000 hex), KILN_BENCH_BATCH (records per
// publish: 50 raw, 1000 hex), KILN_BENCH_SAMPLES (500 per raw record), KILN_BENCH_RECORD_BYTES (1024 hex).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { eventTopics, Quality, topics as catalogue, type RawSampleBatch } from '@kiln/contracts';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { KafkaBus, kafkaCompressions, type KafkaCompression, type OutgoingRecord } from '@kiln/bus';

interface BenchSettings {
  brokers: string[];
  payload: 'raw' | 'hex';
  events: number;
  batch: number;
  samplesPerRecord: number;
  recordBytes: number;
  publishers: number;
}

interface BenchResult {
  compression: KafkaCompression;
  recordBytes: number;
  /** Uncompressed over compressed size of one produce request's worth of records. */
  ratio: number;
  produceSeconds: number;
  endToEndSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  benchCpuPercent: number;
  brokerCpuPercent: number | undefined;
}

const KEYS = 400;
const TAGS_PER_SOURCE = 50;

function settingsFromEnv(): { settings: BenchSettings; compressions: KafkaCompression[] } {
  const int = (name: string, fallback: number): number => {
    const raw = process.env[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got "${raw}"`);
    return value;
  };
  const payload = process.env['KILN_BENCH_PAYLOAD'] ?? 'raw';
  if (payload !== 'raw' && payload !== 'hex') {
    throw new Error(`KILN_BENCH_PAYLOAD must be raw or hex, got "${payload}"`);
  }
  const listed = process.env['KILN_BENCH_COMPRESSION'] ?? 'all';
  const compressions = listed === 'all' ? ['none', 'lz4', 'zstd', 'snappy', 'gzip'] : listed.split(',');
  for (const name of compressions) {
    if (!(kafkaCompressions as readonly string[]).includes(name)) {
      throw new Error(
        `KILN_BENCH_COMPRESSION must be all or a list of ${kafkaCompressions.join(', ')}, got "${listed}"`,
      );
    }
  }
  const raw = payload === 'raw';
  return {
    settings: {
      brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      payload,
      events: int('KILN_BENCH_EVENTS', raw ? 4_000 : 200_000),
      batch: int('KILN_BENCH_BATCH', raw ? 50 : 1_000),
      samplesPerRecord: int('KILN_BENCH_SAMPLES', 500),
      recordBytes: int('KILN_BENCH_RECORD_BYTES', 1_024),
      publishers: int('KILN_BENCH_PUBLISHERS', 4),
    },
    compressions: compressions as KafkaCompression[],
  };
}

/** A payload like a batch of samples: JSON around hex-encoded measurements (compresses about 2:1). */
function hexPayload(bytes: number, seq: number): Buffer {
  const head = `{"seq":${seq},"samples":"`;
  const hexLength = Math.max(0, bytes - head.length - 2);
  const hex = randomBytes(Math.ceil(hexLength / 2))
    .toString('hex')
    .slice(0, hexLength);
  return Buffer.from(`${head}${hex}"}`, 'utf8');
}

/**
 * What the HTTP connector publishes for one request of `samples` samples: one source's tags sampled in turn, values
 * of sensors (a slow drift with noise, two decimals), a few counters and states, source and receive times in µs.
 */
function rawBatch(seq: number, samples: number): Buffer {
  const sourceId = `http/line-${seq % 8}/cell-${seq % KEYS}`;
  const startUs = 1_780_000_000_000_000 + seq * 1_000_000;
  const batch: RawSampleBatch = { sourceId, connector: 'http', samples: [] };
  for (let i = 0; i < samples; i += 1) {
    const tagIndex = i % TAGS_PER_SOURCE;
    const sourceTimeUs = startUs + Math.floor(i / TAGS_PER_SOURCE) * 100_000;
    const value =
      tagIndex % 10 === 9
        ? { kind: { $case: 'intValue' as const, value: seq * 10 + Math.floor(i / TAGS_PER_SOURCE) } }
        : tagIndex % 10 === 8
          ? { kind: { $case: 'boolValue' as const, value: (seq + i) % 7 !== 0 } }
          : {
              kind: {
                $case: 'numberValue' as const,
                value: Math.round((20 + tagIndex + Math.sin(seq / 50) * 5 + Math.random()) * 100) / 100,
              },
            };
    batch.samples.push({
      tag: `plant1/line-${seq % 8}/machine-${tagIndex % 5}/sensor-${tagIndex}`,
      value,
      quality: Quality.QUALITY_GOOD,
      statusCode: 0,
      sourceTimeUs,
      receiveTimeUs: sourceTimeUs + 1_500 + (i % 13),
    });
  }
  return Buffer.from(eventTopics.raw.codec.encode(batch).finish());
}

function payloadOf(settings: BenchSettings, seq: number): Buffer {
  return settings.payload === 'raw'
    ? rawBatch(seq, settings.samplesPerRecord)
    : hexPayload(settings.recordBytes, seq);
}

/** CPU seconds used so far by the local broker (`node scripts/infra.mjs up`), or undefined where none runs here. */
function brokerCpuSeconds(): number | undefined {
  const ticksPerSecond = 100; // USER_HZ on Linux
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka')) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the command name.
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    } catch {
      // the process ended while we read it
    }
  }
  return undefined;
}

async function runOnce(settings: BenchSettings, compression: KafkaCompression): Promise<BenchResult> {
  const bus = new KafkaBus({
    brokers: settings.brokers,
    clientId: 'kiln-bench',
    service: 'bench',
    compression,
    partitionsConsumedConcurrently: 12,
  });
  const topic = `bench.bus.${compression}.${Date.now().toString(36)}`;
  await bus.provision([{ ...catalogue.raw, name: topic, partitions: 12, retentionMs: 3_600_000 }]);
  // Records are made before the clock starts: the figure is the bus's, not the encoder's.
  const values = Array.from({ length: Math.min(settings.events, 400) }, (_, seq) => payloadOf(settings, seq));
  const recordBytes = values.reduce((sum, value) => sum + value.length, 0) / values.length;
  const ratio = await compressionRatio(compression, values.slice(0, 25));

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

  const cpuBefore = process.cpuUsage();
  const brokerBefore = brokerCpuSeconds();
  const started = process.hrtime.bigint();
  let next = 0;
  const publisher = async (): Promise<void> => {
    for (;;) {
      const first = next;
      if (first >= settings.events) return;
      next = Math.min(settings.events, first + settings.batch);
      const records: OutgoingRecord[] = [];
      for (let seq = first; seq < next; seq += 1) {
        records.push({ key: `source-${seq % KEYS}`, value: values[seq % values.length] ?? Buffer.alloc(0) });
      }
      await bus.publish(topic, records);
    }
  };
  await Promise.all(Array.from({ length: settings.publishers }, publisher));
  const produced = process.hrtime.bigint();
  await allConsumed;
  const finished = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  const brokerAfter = brokerCpuSeconds();
  await bus.close();

  const endToEndSeconds = Number(finished - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    compression,
    recordBytes,
    ratio,
    produceSeconds: Number(produced - started) / 1e9,
    endToEndSeconds,
    latencyMs: { p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? 0 },
    benchCpuPercent: ((cpu.user + cpu.system) / 1e6 / endToEndSeconds) * 100,
    brokerCpuPercent:
      brokerBefore === undefined || brokerAfter === undefined
        ? undefined
        : ((brokerAfter - brokerBefore) / endToEndSeconds) * 100,
  };
}

const codecTypes = {
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
  snappy: CompressionTypes.Snappy,
} as const;

type Codec = {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

/**
 * The codec alone on one request's worth of records: MiB compressed and decompressed per CPU second of this
 * process (the native codecs work on libuv's threads, which process.cpuUsage counts).
 */
async function codecCost(
  compression: Exclude<KafkaCompression, 'none'>,
  values: readonly Buffer[],
): Promise<{ compressMiBPerCpuS: number; decompressMiBPerCpuS: number }> {
  const codec = (CompressionCodecs[codecTypes[compression]] as () => Codec)();
  const buffer = Buffer.concat(values);
  let compressed = await codec.compress({ buffer });
  for (let round = 0; round < 10; round += 1) compressed = await codec.compress({ buffer });
  const rounds = 60;
  const cpuSeconds = async (work: () => Promise<unknown>): Promise<number> => {
    const before = process.cpuUsage();
    for (let round = 0; round < rounds; round += 1) await work();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6;
  };
  const mib = (buffer.length * rounds) / 1024 / 1024;
  const compressS = await cpuSeconds(() => codec.compress({ buffer }));
  const decompressS = await cpuSeconds(() => codec.decompress(compressed));
  return { compressMiBPerCpuS: mib / compressS, decompressMiBPerCpuS: mib / decompressS };
}

/** Through the codec kafkajs uses (registered by the KafkaBus built before): what goes on the wire and to disk. */
async function compressionRatio(compression: KafkaCompression, values: readonly Buffer[]): Promise<number> {
  if (compression === 'none') return 1;
  const buffer = Buffer.concat(values);
  const codec = (
    CompressionCodecs[codecTypes[compression]] as () => {
      compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    }
  )();
  return buffer.length / (await codec.compress({ buffer })).length;
}

function describe(settings: BenchSettings, result: BenchResult): string {
  const mib = (settings.events * result.recordBytes) / 1024 / 1024;
  const perSecond = settings.events / result.endToEndSeconds;
  const samples =
    settings.payload === 'raw'
      ? `  ${Math.round((perSecond * settings.samplesPerRecord) / 1000)}k samples/s`
      : '';
  const broker = result.brokerCpuPercent === undefined ? 'n/a' : `${Math.round(result.brokerCpuPercent)} %`;
  return (
    `${result.compression.padEnd(6)}  produce ${Math.round(settings.events / result.produceSeconds)} rec/s` +
    `  produce->consume ${Math.round(perSecond)} rec/s` +
    ` ${(mib / result.endToEndSeconds).toFixed(1)} MiB/s${samples}  ratio ${result.ratio.toFixed(2)}` +
    `  cpu bench ${Math.round(result.benchCpuPercent)} % broker ${broker}` +
    `  latency p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} max ${result.latencyMs.max} ms`
  );
}

async function main(): Promise<void> {
  const { settings, compressions } = settingsFromEnv();
  const what =
    settings.payload === 'raw'
      ? `kiln.raw.v1 records (RawSampleBatch of ${settings.samplesPerRecord} samples)`
      : `records of ${settings.recordBytes} B`;
  console.log(
    `bench:bus: ${settings.events} ${what}, published in batches of ${settings.batch} by ${settings.publishers} ` +
      `publishers, 12 partitions, one consumer group, broker ${settings.brokers.join(',')}; ` +
      `cpu in % of one core (this box has ${(await import('node:os')).availableParallelism()})`,
  );
  for (const compression of compressions) {
    console.log(describe(settings, await runOnce(settings, compression)));
  }
  // Registered by the KafkaBus instances above.
  const values = Array.from({ length: 25 }, (_, seq) => payloadOf(settings, seq));
  for (const compression of compressions) {
    if (compression === 'none') continue;
    const cost = await codecCost(compression, values);
    console.log(
      `${compression.padEnd(6)}  codec alone: compress ${Math.round(cost.compressMiBPerCpuS)} MiB per cpu-second, ` +
        `decompress ${Math.round(cost.decompressMiBPerCpuS)} MiB per cpu-second`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
