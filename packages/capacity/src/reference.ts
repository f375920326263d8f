// The reference limits of this machine, measured in the same run as the pipeline: COPY of telemetry-shaped rows
// into a scratch table of PostgreSQL, and raw produce + consume of 32 KiB records through Kafka.
import { once } from 'node:events';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
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
