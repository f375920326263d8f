// A Kafka outage shows while it lasts: on a broker of the test's own, stopped under a steady load, ingestion marks
// the bus down (kiln_ingestion_bus_up 0, a warning of its own) within seconds, although the Kafka bus keeps one
// publish in its retries for up to two minutes; once the broker is back the bus is up again (an info line) and
// every sample pushed during the outage is in kiln.raw.v1.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, type EventBus } from '@kiln/bus';
import { decodeEvent, eventTopics, topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, type Registry } from '@kiln/service-kit';
import {
  describeWith,
  freeBrokerPort,
  freePort,
  ownBroker,
  uniqueName,
  waitUntil,
  type OwnBroker,
} from '@kiln/test-infra';
import { ingestionSectionSchema } from '../src/config';
import { startIngestion } from '../src/ingestion';
import { testLifecycle } from './support/lifecycle';

/** The default of ingestion.forwarder.busDownAfterMs plus room for a busy machine. */
const SEEN_DOWN_WITHIN_MS = 9_000;

interface LogLine {
  level: string;
  msg: string;
  component?: string;
}

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

async function busUp(registry: Registry): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('kiln_ingestion_bus_up')?.get();
  return metric?.values[0]?.value;
}

describeWith(['kafka'], 'a Kafka outage seen by ingestion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bus-outage-'));
  let broker: OwnBroker;
  /** Stopped after the test whatever it ended with: a bus left retrying would keep jest from exiting. */
  const lifecycle = testLifecycle();

  beforeAll(async () => {
    broker = ownBroker({ port: await freeBrokerPort(), dir: join(dir, 'broker') });
    await broker.start();
  }, 120_000);
  afterAll(async () => {
    await lifecycle.stopAll(2_000);
    await broker.stop();
  }, 60_000);

  it('marks the bus down within seconds of the broker stopping, up again once it is back, and loses nothing', async () => {
    const port = await freePort();
    const lines: LogLine[] = [];
    const logger = createLogger({
      service: 'bus-outage-test',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    const bus = new KafkaBus({
      brokers: broker.brokers,
      clientId: uniqueName('outage'),
      service: 'ingestion',
    });
    lifecycle.add({ name: 'bus', stop: () => bus.close() });
    await provisionWhenUp(bus);
    const registry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
    await startIngestion(
      lifecycle,
      ingestionSectionSchema.parse({
        buffer: { directory: join(dir, 'buffer'), fsync: 'never' },
        batching: { lingerMs: 20 },
        connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port }],
      }),
      { bus, logger, registry },
    );
    const ingestionLines = (level: string): LogLine[] =>
      lines.filter((line) => line.level === level && line.component === 'ingestion' && /bus/.test(line.msg));

    // 20 numbered samples every 20 ms over real HTTP, each request acknowledged once written to the buffer.
    let produced = 0;
    let producing = true;
    const source = (async () => {
      while (producing) {
        const samples = Array.from({ length: 20 }, (_, i) => ({ tag: 'seq', value: produced + i }));
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/samples`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source: 'line-1', samples }),
        });
        if (response.status === 202) produced += samples.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await busUp(registry)).toBe(1);
      await broker.stop('SIGKILL');
      const stoppedAt = Date.now();
      await waitUntil(async () => (await busUp(registry)) === 0, {
        timeoutMs: SEEN_DOWN_WITHIN_MS,
        what: 'kiln_ingestion_bus_up to read 0 after the broker was killed',
        describe: () => `warnings so far: ${JSON.stringify(ingestionLines('warn').map((line) => line.msg))}`,
      });
      const seenDownMs = Date.now() - stoppedAt;
      expect(ingestionLines('warn')).not.toHaveLength(0);
      // Said once when the outage begins, not at every retry.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(ingestionLines('warn')).toHaveLength(1);
      expect(await busUp(registry)).toBe(0);
      console.log(`bus seen down ${seenDownMs} ms after the broker was killed`);

      await broker.start();
      await waitUntil(async () => (await busUp(registry)) === 1, {
        timeoutMs: 120_000,
        what: 'kiln_ingestion_bus_up to read 1 once the broker answers again',
      });
      expect(ingestionLines('info')).not.toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      producing = false;
      await source;
    }
    expect(produced).toBeGreaterThan(5_000);

    const seen = new Set<number>();
    const reader = new KafkaBus({
      brokers: broker.brokers,
      clientId: uniqueName('outage-check'),
      service: 'test',
    });
    lifecycle.add({ name: 'reader', stop: () => reader.close() });
    await reader.subscribe({
      groupId: uniqueName('outage-check'),
      topics: [topics.raw.name],
      fromBeginning: true,
      handler: async (batch) => {
        for (const record of batch.records) {
          for (const sample of decodeEvent(eventTopics.raw, record.value, record.headers).samples) {
            const value = sample.value?.kind;
            if (value?.$case === 'numberValue') seen.add(value.value);
          }
        }
      },
    });
    await waitUntil(() => seen.size >= produced, {
      timeoutMs: 120_000,
      what: 'every pushed sample in kiln.raw.v1',
      describe: () => `${seen.size} of ${produced}`,
    });
    expect(seen.size).toBe(produced);
    expect(Math.max(...seen)).toBe(produced - 1);
  }, 300_000);
});
