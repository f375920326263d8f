// npm run bench:ingest: samples/s from the shop floor into Kafka on this machine. The simulated factory runs in a
// child process (`kiln simulate`), as a real plant would be elsewhere; ingestion runs here with the real
// store-and-forward buffer and publishes to the real broker. Two runs: OPC UA subscriptions, then MQTT JSON.
// Settings (env): KAFKA_BROKERS (127.0.0.1:9092), MQTT_URL (mqtt://127.0.0.1:1883), KILN_BENCH_LINES (10),
// KILN_BENCH_MACHINES (10 per line), KILN_BENCH_SPEED (20: simulated seconds per real second),
// KILN_BENCH_SECONDS (20: the measured window, after a 5 s warm-up).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
// The service's own modules as built: a bench drives what ships (dist/), and it lives beside src/ so that
// dist/ holds no bench.
import { ingestionSectionSchema } from '../dist/config';
import { routeOpcuaLogs } from '../dist/connectors/opcua/logging';
import { startIngestion } from '../dist/ingestion';

const env = process.env;
const int = (name: string, fallback: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const brokers = (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const mqttUrl = env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
const lines = int('KILN_BENCH_LINES', 10);
const machinesPerLine = int('KILN_BENCH_MACHINES', 10);
const speed = int('KILN_BENCH_SPEED', 20);
const seconds = int('KILN_BENCH_SECONDS', 20);
const WARMUP_MS = 5_000;
const CLI = join(__dirname, '../../../packages/cli/dist/main.js');
const logger = createLogger({ service: 'bench-ingest', level: 'warn' });

interface Run {
  name: string;
  simulator: object;
  connector: object;
}

async function measure(run: Run, dir: string): Promise<void> {
  const simulatorFile = join(dir, `${run.name}-simulator.yaml`);
  writeFileSync(simulatorFile, JSON.stringify(run.simulator));
  const simulator = spawn(process.execPath, [CLI, 'simulate', '--config', simulatorFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const lifecycle = manualLifecycle();
  try {
    // The simulator's servers need a few seconds (OPC UA loads its address space).
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const bus = new KafkaBus({ brokers, clientId: `bench-ingest-${run.name}`, service: 'ingestion' });
    lifecycle.add({ name: 'bus', stop: () => bus.close() });
    await bus.provision([topics.raw, topics.dlq]);
    let published = 0;
    let received = 0;
    const registry = createMetricsRegistry({ service: 'bench', processMetrics: false });
    const section = ingestionSectionSchema.parse({
      buffer: { directory: join(dir, `${run.name}-buffer`) },
      connectors: [run.connector],
    });
    const ingestion = await startIngestion(lifecycle, section, { bus, logger, registry });
    const count = async (): Promise<void> => {
      const metrics = await registry.getMetricsAsJSON();
      const total = (name: string): number =>
        metrics.find((metric) => metric.name === name)?.values.reduce((sum, value) => sum + value.value, 0) ??
        0;
      published = total('kiln_ingestion_samples_published_total');
      received = total('kiln_ingestion_samples_received_total');
    };
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    await count();
    const [startPublished, startReceived, started] = [published, received, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await count();
    const elapsed = (Date.now() - started) / 1000;
    const status = ingestion
      .status()
      .map((s) => `${s.id} ${s.state}`)
      .join(', ');
    console.log(
      `${run.name.padEnd(6)} ${Math.round((published - startPublished) / elapsed)} samples/s into Kafka ` +
        `(${Math.round((received - startReceived) / elapsed)} samples/s received from the source; ` +
        `${lines * machinesPerLine} machines, ${seconds} s window; ${status}; ` +
        `buffered at the end: ${ingestion.buffer.stats().samples})`,
    );
  } finally {
    await lifecycle.stopAll();
    simulator.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  routeOpcuaLogs(logger);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-ingest-'));
  const plant = { lines, machinesPerLine, enterprise: 'bench' };
  const group = `bench-${Date.now().toString(36)}`;
  console.log(
    `bench:ingest: simulated plant of ${lines}x${machinesPerLine} machines at ${speed}x real time ` +
      `(each machine: ~11 signals, analog ones sampled every simulated second), broker ${brokers.join(',')}`,
  );
  await measure(
    {
      name: 'opcua',
      simulator: {
        speedFactor: speed,
        plant,
        opcua: { port: 48_400, host: '127.0.0.1', securityModes: ['None'], pkiDir: join(dir, 'pki') },
        mqtt: { enabled: false },
        modbus: { enabled: false },
      },
      connector: {
        kind: 'opcua',
        id: 'bench',
        securityMode: 'None',
        endpointUrl: 'opc.tcp://127.0.0.1:48400',
        pki: { folder: join(dir, 'client-pki') },
        subscription: { publishingIntervalMs: 200, samplingIntervalMs: 0, queueSize: 1000 },
        nodes: [{ browse: { root: '/Objects/1:Plant', maxDepth: 5 } }],
      },
    },
    dir,
  );
  await measure(
    {
      name: 'mqtt',
      simulator: {
        speedFactor: speed,
        plant,
        opcua: { enabled: false },
        mqtt: {
          enabled: true,
          url: mqttUrl,
          json: { topicTemplate: `${group}/{line}/{machine}/{signal}`, qos: 1 },
          sparkplug: { enabled: false },
        },
        modbus: { enabled: false },
      },
      connector: {
        kind: 'mqtt',
        id: 'bench',
        url: mqttUrl,
        qos: 1,
        subscriptions: [
          {
            topic: `${group}/+line/+machine/+signal`,
            tag: '{line}/{machine}/{signal}',
            valuePointer: '/value',
            timestampPointer: '/timestamp',
          },
        ],
      },
    },
    dir,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
