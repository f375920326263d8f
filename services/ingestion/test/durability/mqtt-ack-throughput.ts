// How many QoS 1 messages of one sample each ingestion takes per second from the local Mosquitto, with
// acknowledgement after durability: every PUBACK waits for the buffer's write, and mqtt.js handles one packet at
// a time, so this is 1 / (durable latency). From services/ingestion/test/durability:
//   node -r ./swc-register.cjs mqtt-ack-throughput.ts [messages] [fsync policy] [durable|receipt]
// `receipt` acknowledges on receipt (ackAfterDurable: false), as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { InProcessBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { ingestionSectionSchema } from '../../src/config';
import { startIngestion } from '../../src/ingestion';

const URL = process.env['KILN_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 20_000);
  const fsync = (process.argv[3] ?? 'interval') as 'always' | 'interval' | 'never';
  const ackAfterDurable = process.argv[4] !== 'receipt';
  const directory = mkdtempSync(join(tmpdir(), 'kiln-mqtt-bench-'));
  const prefix = `kiln-bench-${process.pid}`;
  const bus = new InProcessBus({ service: 'ingestion' });
  await bus.provision([topics.raw, topics.dlq]);
  await bus.subscribe({ groupId: 'bench', topics: [topics.raw.name], handler: async () => undefined });
  const registry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
  const lifecycle = manualLifecycle();
  const section = ingestionSectionSchema.parse({
    buffer: { directory: join(directory, 'buffer'), fsync },
    connectors: [
      {
        kind: 'mqtt',
        id: 'bench',
        url: URL,
        clientId: prefix,
        qos: 1,
        cleanSession: true,
        ackAfterDurable,
        subscriptions: [{ topic: `${prefix}/#`, payloadFormat: 'raw-number' }],
      },
    ],
  });
  const ingestion = await startIngestion(lifecycle, section, {
    bus,
    logger: createLogger({ service: 'bench', level: 'error' }),
    registry,
  });
  const emitted = async (): Promise<number> => {
    const metric = registry.getSingleMetric('kiln_mqtt_samples_emitted_total');
    const values = metric === undefined ? [] : (await metric.get()).values;
    return values.reduce((sum, value) => sum + value.value, 0);
  };
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const publisher = await connectAsync(URL, { clientId: `${prefix}-pub` });
  const started = performance.now();
  // In chunks that the broker's queue for the subscriber holds (Mosquitto drops past max_queued_messages, 1000).
  const chunk = 500;
  for (let from = 0; from < total; from += chunk) {
    const sent: Promise<unknown>[] = [];
    for (let n = from; n < Math.min(total, from + chunk); n += 1) {
      sent.push(publisher.publishAsync(`${prefix}/m/${n % 100}`, String(n), { qos: 1 }));
    }
    await Promise.all(sent);
    // At most 700 outstanding when the next chunk goes out: Mosquitto drops what its queue for a client
    // (max_queued_messages, 1000) cannot hold and logs "Outgoing messages are being dropped".
    while ((await emitted()) < Math.min(total, from + chunk) - 200)
      await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const deadline = Date.now() + 60_000;
  while ((await emitted()) < total) {
    if (Date.now() > deadline)
      throw new Error(`only ${await emitted()} of ${total} messages arrived in time`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const seconds = (performance.now() - started) / 1000;
  await ingestion.buffer.flush();
  process.stdout.write(
    `${total} QoS 1 messages (1 sample each, fsync ${fsync}, ${ackAfterDurable ? 'acknowledged once durable' : 'acknowledged on receipt'}) in ${seconds.toFixed(2)} s: ` +
      `${Math.round(total / seconds)} messages/s\n`,
  );
  await publisher.endAsync();
  await lifecycle.stopAll(2_000);
  rmSync(directory, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
