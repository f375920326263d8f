// Store-and-forward through a real broker: the broker goes away for 30 s while a source keeps pushing samples,
// and ingestion itself is restarted in the middle of the outage. Afterwards every sample the source produced is
// in kiln.raw.v1. The broker is the test's own (scripts/infra.mjs broker), so the outage disturbs no other suite.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, type EventBus } from '@kiln/bus';
import { decodeEvent, eventTopics, topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry } from '@kiln/service-kit';
import { parseSimulatorConfig, startSimulator } from '@kiln/simulator';
import { describeWith, ownBroker, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { ingestionSectionSchema } from '../src/config';
import { startIngestion } from '../src/ingestion';
import { testLifecycle, type TestLifecycle } from './support/lifecycle';
import { freePort } from '@kiln/test-infra';

const OUTAGE_MS = 30_000;

async function provisionWhenUp(bus: EventBus): Promise<void> {
  for (;;) {
    try {
      await bus.provision([
        { ...topics.raw, partitions: 3 },
        { ...topics.dlq, partitions: 1 },
      ]);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
const logger = createLogger({ service: 'store-and-forward-test', level: 'warn' });

describeWith(['kafka', 'mqtt'], 'store-and-forward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-saf-'));
  const broker = ownBroker({ port: 19_292, dir: join(dir, 'broker') });

  beforeAll(() => broker.start(), 120_000);
  afterAll(() => broker.stop(), 60_000);

  it('loses no sample through a 30 s broker outage and a restart of ingestion in the middle of it', async () => {
    const port = await freePort();
    const section = ingestionSectionSchema.parse({
      buffer: { directory: join(dir, 'buffer'), fsync: 'always' },
      batching: { lingerMs: 20 },
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port }],
    });
    const newBus = (): EventBus =>
      new KafkaBus({ brokers: broker.brokers, clientId: uniqueName('saf'), service: 'ingestion' });

    const start = async (): Promise<{ lifecycle: TestLifecycle; bus: EventBus }> => {
      const lifecycle = testLifecycle();
      const bus = newBus();
      lifecycle.add({ name: 'bus', stop: () => bus.close() });
      // As the service does: start even when the broker is down, create the topics once it answers.
      void provisionWhenUp(bus);
      const registry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
      await startIngestion(lifecycle, section, { bus, logger, registry });
      return { lifecycle, bus };
    };

    // The source: batches of 50 numbered samples every 20 ms, over real HTTP; it retries while ingestion
    // restarts, as a pushing gateway would.
    let produced = 0;
    let producing = true;
    const source = (async () => {
      while (producing) {
        const samples = Array.from({ length: 50 }, (_, i) => ({ tag: 'seq', value: produced + i }));
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/samples`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source: 'line-1', samples }),
        }).catch(() => undefined);
        if (response?.status === 202) produced += samples.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    let running = await start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await broker.stop('SIGKILL');
    const outageStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    // Ingestion restarts while the broker is still down: the buffer on disk carries the samples over.
    await running.lifecycle.stopAll(1_000);
    running = await start();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStarted)));
    await broker.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    producing = false;
    await source;
    expect(produced).toBeGreaterThan(10_000);

    const seen = new Set<number>();
    let received = 0;
    const reader = newBus();
    await reader.subscribe({
      groupId: uniqueName('saf-check'),
      topics: [topics.raw.name],
      handler: async (batch) => {
        for (const record of batch.records) {
          const decoded = decodeEvent(eventTopics.raw, record.value, record.headers);
          for (const sample of decoded.samples) {
            const value = sample.value?.kind;
            if (value?.$case === 'numberValue') seen.add(value.value);
            received += 1;
          }
        }
      },
    });
    await waitUntil(() => seen.size >= produced, {
      timeoutMs: 120_000,
      what: 'every produced sample in kiln.raw.v1',
      describe: () => `${seen.size} of ${produced} distinct, ${received} received`,
    });
    await reader.close();
    await running.lifecycle.stopAll();
    expect(seen.size).toBe(produced);
    expect(Math.max(...seen)).toBe(produced - 1);
    // At-least-once: a restart may send a few batches twice, never many.
    expect(received - produced).toBeLessThan(produced / 10);
  }, 240_000);

  it('delivers every sample the simulated factory published over MQTT through an outage and a restart of ingestion', async () => {
    const group = uniqueName('saf-sim');
    const simulator = await startSimulator(
      parseSimulatorConfig({
        seed: 7,
        speedFactor: 5,
        plant: { lines: 1, machinesPerLine: 2 },
        opcua: { enabled: false },
        modbus: { enabled: false },
        mqtt: {
          enabled: true,
          url: serviceEndpoints().mqttUrl,
          json: { topicTemplate: `${group}/{line}/{machine}/{signal}`, qos: 1, timestampFormat: 'epochMs' },
          sparkplug: { enabled: false },
        },
      }),
    );
    // A persistent MQTT session (QoS 1, fixed client id): the broker keeps what arrives while ingestion restarts.
    const section = ingestionSectionSchema.parse({
      buffer: { directory: join(dir, 'buffer-sim'), fsync: 'always' },
      batching: { lingerMs: 20 },
      connectors: [
        {
          kind: 'mqtt',
          id: 'sim',
          url: serviceEndpoints().mqttUrl,
          clientId: group,
          qos: 1,
          cleanSession: false,
          subscriptions: [
            {
              topic: `${group}/+line/+machine/+signal`,
              tag: '{line}/{machine}/{signal}',
              valuePointer: '/value',
              timestampPointer: '/timestamp',
            },
          ],
        },
      ],
    });
    const start = async (): Promise<TestLifecycle> => {
      const lifecycle = testLifecycle();
      const bus = new KafkaBus({
        brokers: broker.brokers,
        clientId: uniqueName('saf-sim'),
        service: 'ingestion',
      });
      lifecycle.add({ name: 'bus', stop: () => bus.close() });
      void provisionWhenUp(bus);
      await startIngestion(lifecycle, section, {
        bus,
        logger,
        registry: createMetricsRegistry({ service: 'ingestion', processMetrics: false }),
      });
      return lifecycle;
    };

    let running = await start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await broker.stop('SIGKILL');
    const outageStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    await running.stopAll(1_000);
    running = await start();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStarted)));
    await broker.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    simulator.clock?.stop();
    await simulator.mqttJson?.flush();
    const produced = simulator.mqttJson?.stats().published ?? 0;
    await simulator.stop();
    expect(produced).toBeGreaterThan(1_000);

    const seen = new Set<string>();
    const reader = new KafkaBus({
      brokers: broker.brokers,
      clientId: uniqueName('saf-sim-check'),
      service: 'test',
    });
    await reader.subscribe({
      groupId: uniqueName('saf-sim-check'),
      topics: [topics.raw.name],
      handler: async (batch) => {
        for (const record of batch.records) {
          // MQTT samples travel under `mqtt/sim#<n>`, one key per group of tags.
          if (!record.key.startsWith('mqtt/sim#')) continue;
          for (const sample of decodeEvent(eventTopics.raw, record.value, record.headers).samples) {
            seen.add(`${sample.tag}@${sample.sourceTimeUs}=${JSON.stringify(sample.value)}`);
          }
        }
      },
    });
    await waitUntil(() => seen.size >= produced, {
      timeoutMs: 120_000,
      what: 'every sample the simulator published in kiln.raw.v1',
      describe: () => `${seen.size} of ${produced}`,
    });
    await reader.close();
    await running.stopAll();
    expect(seen.size).toBe(produced);
  }, 240_000);
});
