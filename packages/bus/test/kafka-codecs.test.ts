// Every codec a producer may choose is read by every consumer, whatever codec that consumer itself produces with:
// a service configured with gzip reads what another wrote with lz4, zstd, snappy or none, bytes unchanged. Against
// the real broker, which itself decompresses each batch to validate it (so a frame it cannot read fails the send).
import { randomBytes } from 'node:crypto';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { busConfigSchema, KafkaBus, kafkaCompressions, type KafkaCompression } from '../src';
import { provisionTopic, SERVICE } from './contract/harness';

describeWith(['kafka'], 'Kafka record-batch codecs', () => {
  const buses: KafkaBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
  });

  const openBus = (compression: KafkaCompression): KafkaBus => {
    const bus = new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName(`codec-${compression}`),
      service: SERVICE,
      compression,
      maxWaitTimeMs: 100,
    });
    buses.push(bus);
    return bus;
  };

  it.each(kafkaCompressions.filter((name) => name !== 'gzip'))(
    'a consumer configured with gzip reads a batch produced with %s, byte for byte',
    async (compression) => {
      const topic = uniqueName(`test.codec-${compression}`);
      const producer = openBus(compression);
      const consumer = openBus('gzip');
      await provisionTopic(producer, topic, 2);
      // Half repetitive (compresses), half random: both paths of every codec.
      const values = Array.from({ length: 40 }, (_, seq) =>
        Buffer.concat([
          Buffer.from(`{"seq":${seq},"tag":"line-1/press-04/temp"}`.repeat(20)),
          randomBytes(64),
        ]),
      );
      const received = new Map<string, Buffer>();
      await consumer.subscribe({
        groupId: uniqueName(`codec-${compression}`),
        topics: [topic],
        handler: async (batch) => {
          for (const record of batch.records) received.set(record.key ?? '', Buffer.from(record.value));
        },
      });
      await producer.publish(
        topic,
        values.map((value, seq) => ({ key: `key-${seq}`, value })),
      );
      await waitUntil(() => received.size === values.length, {
        timeoutMs: 30_000,
        what: `every record produced with ${compression}`,
      });
      values.forEach((value, seq) => expect(received.get(`key-${seq}`)?.equals(value)).toBe(true));
    },
  );
});

describe('the bus configuration', () => {
  it('takes every codec and defaults to lz4', () => {
    expect(busConfigSchema.parse({}).kafka.compression).toBe('lz4');
    for (const compression of kafkaCompressions) {
      expect(busConfigSchema.parse({ kafka: { compression } }).kafka.compression).toBe(compression);
    }
  });

  it('refuses a codec Kafka does not have', () => {
    expect(() => busConfigSchema.parse({ kafka: { compression: 'brotli' } })).toThrow(/compression/);
  });
});
