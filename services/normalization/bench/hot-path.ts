// npm run bench:hot-path (in services/normalization, after npm run build:bench): the CPU cost per sample of the
// normalization hot path without any I/O, stage by stage as a handled batch runs it: decode kiln.raw.v1
// (decodeRawBatch, checks included), Normalizer.process, gatherOutputs, encodeEvent of the telemetry. Samples/s
// per stage and for the chain, and the time spent in garbage collection. Run it under `node --cpu-prof` to see
// where the rest goes. Settings (env): KILN_BENCH_SAMPLES (2000000 timed), KILN_BENCH_BATCH (500 samples per raw
// record, as ingestion's HTTP batches), KILN_BENCH_RECORDS (100 records per handled batch).
import { PerformanceObserver } from 'node:perf_hooks';
import { parsePlantConfig, Normalizer, type NormalizeResult } from '@kiln/asset-model';
import type { BusRecord } from '@kiln/bus';
import { encodeEvent, eventTopics, Quality, type RawSample, type RawSampleBatch } from '@kiln/contracts';
// The service's modules as built (dist/), as the other bench does.
import { gatherOutputs } from '../dist/outputs';
import { decodeRawBatch } from '../dist/raw-decode';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const samplesWanted = positiveInt('KILN_BENCH_SAMPLES', 2_000_000);
const samplesPerRecord = positiveInt('KILN_BENCH_BATCH', 500);
const recordsPerBatch = positiveInt('KILN_BENCH_RECORDS', 100);

const ASSETS = 10;
const SIGNALS_PER_ASSET = 10;
const SIGNALS = ASSETS * SIGNALS_PER_ASSET;
const STEP_US = 100_000;
const START_US = Date.UTC(2026, 0, 5, 6) * 1000;

const PLANT = `enterprise: { id: bench }
sites:
  - id: site
    areas:
      - id: area
        lines:
          - id: line
            assets:
${Array.from(
  { length: ASSETS },
  (_, a) =>
    `              - id: a${a}\n                signals:\n` +
    Array.from({ length: SIGNALS_PER_ASSET }, (_, s) => `                  - { name: s${s} }`).join('\n'),
).join('\n')}
mappings:
  - name: every-signal
    source: 'bench/{line}'
    tag: '{asset}/{signal}'
    asset: bench/site/area/{line}/{asset}
    signal: '{signal}'
`;

/** Record `index`: every signal in turn at successive times; every 50th sample repeats the previous time. */
function rawRecord(index: number): BusRecord {
  const samples: RawSample[] = [];
  for (let k = 0; k < samplesPerRecord; k += 1) {
    const n = index * samplesPerRecord + k;
    const signal = n % SIGNALS;
    const timeUs = START_US + Math.floor(n / SIGNALS) * STEP_US;
    samples.push({
      tag: `A${Math.floor(signal / SIGNALS_PER_ASSET)}/s${signal % SIGNALS_PER_ASSET}`,
      value: { kind: { $case: 'numberValue', value: Math.round(Math.sin(n / 50) * 10_000) / 100 } },
      quality: Quality.QUALITY_GOOD,
      statusCode: 0,
      sourceTimeUs: timeUs,
      receiveTimeUs: timeUs + 1_000,
    });
  }
  const batch: RawSampleBatch = { sourceId: 'bench/line', connector: 'bench', samples };
  const encoded = encodeEvent(eventTopics.raw, batch);
  return {
    topic: eventTopics.raw.topic.name,
    partition: 0,
    offset: String(index),
    key: encoded.key,
    value: encoded.value,
    headers: encoded.headers,
    timestamp: 0,
  };
}

interface Stage {
  readonly name: string;
  ns: bigint;
}

async function main(): Promise<void> {
  const config = parsePlantConfig(PLANT, 'bench.yaml');
  const normalizer = new Normalizer({ model: config.model, mappings: config.mappings });
  // Distinct records for a whole run would hold gigabytes: a pool of them is decoded again and again, with times
  // moving on (the normalizer sees old times as out of order, which is not the path measured).
  const records = Array.from({ length: recordsPerBatch }, (_, i) => rawRecord(i));
  const stages: Stage[] = ['decode', 'normalize', 'gather', 'encode'].map((name) => ({ name, ns: 0n }));
  const [decode, normalize, gather, encode] = stages as [Stage, Stage, Stage, Stage];
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });

  const run = (batches: number, shiftUs: (b: number) => number): number => {
    let points = 0;
    for (let b = 0; b < batches; b += 1) {
      let t = process.hrtime.bigint();
      const decoded = records.map((record) => decodeRawBatch(record));
      const shift = shiftUs(b);
      for (const batch of decoded) {
        for (const sample of batch.samples) {
          sample.sourceTimeUs += shift;
          sample.receiveTimeUs += shift;
        }
      }
      let now = process.hrtime.bigint();
      decode.ns += now - t;
      t = now;
      const results: NormalizeResult[] = decoded.map((batch) => normalizer.process(batch));
      now = process.hrtime.bigint();
      normalize.ns += now - t;
      t = now;
      const outputs = gatherOutputs(results);
      now = process.hrtime.bigint();
      gather.ns += now - t;
      t = now;
      for (const telemetry of outputs.telemetry) encodeEvent(eventTopics.telemetry, telemetry);
      now = process.hrtime.bigint();
      encode.ns += now - t;
      points += outputs.telemetryPoints;
    }
    return points;
  };

  const spanUs = (recordsPerBatch * samplesPerRecord * STEP_US) / SIGNALS;
  const warmup = Math.max(1, Math.ceil(200_000 / (recordsPerBatch * samplesPerRecord)));
  run(warmup, (b) => (b + 1) * spanUs);
  for (const stage of stages) stage.ns = 0n;

  const batches = Math.ceil(samplesWanted / (recordsPerBatch * samplesPerRecord));
  const samples = batches * recordsPerBatch * samplesPerRecord;
  observer.observe({ entryTypes: ['gc'] });
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const points = run(batches, (b) => (warmup + b + 1) * spanUs);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  // The observer is told of collections on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  if (points !== samples) throw new Error(`expected ${samples} telemetry points, got ${points}`);

  const rate = (ns: bigint): string => `${Math.round(samples / (Number(ns) / 1e9)).toLocaleString('en')}/s`;
  console.log(
    `hot path: ${samples.toLocaleString('en')} samples in ${batches} handled batches of ${recordsPerBatch} records x ${samplesPerRecord} samples`,
  );
  for (const stage of stages) {
    console.log(
      `  ${stage.name.padEnd(10)} ${(Number(stage.ns) / 1e6).toFixed(0).padStart(7)} ms  ${rate(stage.ns)}`,
    );
  }
  const totalNs = stages.reduce((sum, stage) => sum + stage.ns, 0n);
  console.log(
    `  ${'chain'.padEnd(10)} ${(Number(totalNs) / 1e6).toFixed(0).padStart(7)} ms  ${rate(totalNs)}`,
  );
  console.log(
    `  gc         ${gcMs.toFixed(0).padStart(7)} ms  (${((100 * gcMs) / wallMs).toFixed(1)} % of ${wallMs.toFixed(0)} ms)`,
  );
  // Other processes on the machine stretch wall time; the CPU time of this process much less.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `  cpu        ${cpuMs.toFixed(0).padStart(7)} ms  ${((1000 * cpuMs) / samples).toFixed(2)} us per sample (all threads, GC included)`,
  );
  console.log(`  rss        ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
