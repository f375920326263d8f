// The reference limits of this machine, measured in the same run as the pipeline: COPY of telemetry-shaped rows
// into a scratch table of PostgreSQL, raw produce + consume of 32 KiB records through Kafka, and QoS 1 messages
// through the run's Mosquitto to one plain subscriber.
import { once } from 'node:events';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { connectAsync } from 'mqtt';
import { cpuBetween, readCpu } from './cpu-meter';
import { LoadGenerator } from './load/control';
import type { MqttLoadSetup } from './load/protocol';
import { from as copyFrom } from 'pg-copy-streams';
import { binaryRows, textRows } from './copy-rows';
import { quoteIdentifier, withClient } from './database';

const ROWS_PER_CHUNK = 10_000;
const SIGNALS = 5000;
/** The protobuf raw sample of kiln.raw.v1 is about this big (issue 17: 77 MiB/s ~ 1.9M samples/s). */
export const RAW_SAMPLE_BYTES = 42;
const RECORD_BYTES = 32 * 1024;

export interface CopyReference {
  readonly format: 'binary' | 'text';
  readonly rowsPerS: number;
}

/** COPY into a fresh scratch table shaped and keyed like telemetry for `seconds`, in chunks of 10,000 rows. */
export async function copyReference(
  url: string,
  schema: string,
  format: 'binary' | 'text',
  seconds: number,
): Promise<CopyReference> {
  const table = `${quoteIdentifier(schema)}.${quoteIdentifier(`copy_reference_${format}`)}`;
  return withClient(url, async (client) => {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (
      time timestamptz NOT NULL, signal_id integer NOT NULL, value double precision NULL,
      value_text text NULL, quality smallint NOT NULL DEFAULT 1, PRIMARY KEY (signal_id, time))`);
    let rows = 0;
    let firstTimeUs = Date.now() * 1000;
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
      const range = { firstTimeUs, count: ROWS_PER_CHUNK, signals: SIGNALS };
      const body = format === 'binary' ? binaryRows(range, true, true) : textRows(range);
      const stream = client.query(
        copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT ${format === 'binary' ? 'binary' : 'text'})`),
      );
      stream.end(body);
      await once(stream, 'finish');
      rows += ROWS_PER_CHUNK;
      firstTimeUs += ROWS_PER_CHUNK;
    }
    const elapsedS = (Date.now() - started) / 1000;
    await client.query(`DROP TABLE ${table}`);
    return { format, rowsPerS: rows / elapsedS };
  });
}

export interface KafkaReference {
  readonly produceMiBPerS: number;
  readonly consumeMiBPerS: number;
  readonly samplesPerSEquivalent: number;
}

/** Produces 32 KiB records uncompressed to a scratch topic for `seconds`, then consumes them all; deletes it. */
export async function kafkaReference(
  brokers: readonly string[],
  topic: string,
  seconds: number,
): Promise<KafkaReference> {
  const kafka = new Kafka({
    clientId: 'kiln-e2e-reference',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 12 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(RECORD_BYTES, 7);
  let produced = 0;
  const started = Date.now();
  try {
    // Eight producing loops of 16 records each keep requests in flight as a busy producer would (on this box
    // the most throughput of 2 to 16 loops).
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() - started < seconds * 1000) {
          await producer.send({
            topic,
            compression: CompressionTypes.None,
            acks: -1,
            messages: Array.from({ length: 16 }, (_, i) => ({ key: String(i), value })),
          });
          produced += 16;
        }
      }),
    );
    const produceS = (Date.now() - started) / 1000;
    const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxBytes: 64 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    let consumeStarted = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          if (consumeStarted === 0) consumeStarted = Date.now();
          consumed += batch.messages.length;
          if (consumed >= produced) resolve();
        },
      });
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, Math.max(30_000, seconds * 4000)));
    await Promise.race([done, timeout]);
    const consumeS = (Date.now() - (consumeStarted || Date.now())) / 1000;
    await consumer.disconnect();
    const mib = (records: number) => (records * RECORD_BYTES) / (1024 * 1024);
    const produceMiBPerS = mib(produced) / produceS;
    return {
      produceMiBPerS,
      consumeMiBPerS: consumeS > 0 ? mib(consumed) / consumeS : Number.NaN,
      samplesPerSEquivalent: (produceMiBPerS * 1024 * 1024) / RAW_SAMPLE_BYTES,
    };
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([`${topic}-reader`]).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface MqttReference {
  /** Messages the subscriber received per second (QoS 1, one sample each). */
  readonly messagesPerS: number;
  /** Messages the generator had acknowledged by the broker per second. */
  readonly publishedPerS: number;
  /** CPU % over the window (100 = one core). */
  readonly cpu: { readonly mosquitto: number; readonly generator: number; readonly subscriber: number };
}

/** Far above what any box delivers: the generator's in-flight bound, not its pacing, sets the pace. */
const UNBOUNDED_PER_S = 10_000_000;

/**
 * The MQTT mode's load (the same generator: QoS 1, one sample per message, its clients and in-flight bound) at an
 * unbounded rate through the run's broker to one plain subscriber (mqtt.js, QoS 1, acknowledging each message as
 * mqtt.js does) in this process: what the broker and the clients carry on this box with no Kiln in between.
 * `load.topicPrefix` should be the reference's own, so nothing else receives these messages.
 */
export async function mqttReference(
  load: MqttLoadSetup,
  brokerPid: number,
  seconds: number,
): Promise<MqttReference> {
  const subscriber = await connectAsync(load.url, {
    clientId: `kiln-e2e-reference-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
  });
  let received = 0;
  subscriber.on('message', () => {
    received += 1;
  });
  await subscriber.subscribeAsync(`${load.topicPrefix}/#`, { qos: 1 });
  const generator = await LoadGenerator.start(load);
  try {
    generator.setRate(UNBOUNDED_PER_S);
    // A second to fill the in-flight windows before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const groups = [
      { name: 'mosquitto', pids: () => [brokerPid] },
      { name: 'generator', pids: () => [generator.pid] },
      { name: 'subscriber', pids: () => [process.pid] },
    ];
    const start = { received, accepted: generator.counts().accepted, cpu: readCpu(groups) };
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const end = { received, accepted: generator.counts().accepted, cpu: readCpu(groups) };
    const elapsedS = (end.cpu.atMs - start.cpu.atMs) / 1000;
    const cpu = cpuBetween(start.cpu, end.cpu).groups;
    return {
      messagesPerS: (end.received - start.received) / elapsedS,
      publishedPerS: (end.accepted - start.accepted) / elapsedS,
      cpu: {
        mosquitto: cpu.get('mosquitto') ?? Number.NaN,
        generator: cpu.get('generator') ?? Number.NaN,
        subscriber: cpu.get('subscriber') ?? Number.NaN,
      },
    };
  } finally {
    await generator.stop();
    await subscriber.endAsync(true);
  }
}
