// MQTT samples spread over kiln.raw.v1's partitions: one connector reads a whole plant, so its samples travel
// under keys chosen by tag, not under the one source id. Each tag keeps one key, so its samples keep their order.
// Against the real Mosquitto, through the whole pipeline (batcher, buffer, forwarder) into the bus.
import { connectAsync, type MqttClient } from 'mqtt';
import { decodeEvent, eventTopics, topics } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { MQTT_KEYS_PER_SOURCE, mqttRecordKey } from '../../src/connectors/mqtt/record-key';
import { startPipeline, type PipelineUnderTest } from '../pipeline/support';

const MACHINES = 8;
const SIGNALS = 5;
const ROUNDS = 6;

describe('mqttRecordKey', () => {
  it('gives a tag the same key every time, one of a fixed set under the source id', () => {
    const key = mqttRecordKey('mqtt/plant', 'press-04/temperature');
    expect(mqttRecordKey('mqtt/plant', 'press-04/temperature')).toBe(key);
    expect(key).toMatch(/^mqtt\/plant#\d+$/);
    const keys = new Set(Array.from({ length: 1_000 }, (_, n) => mqttRecordKey('mqtt/plant', `m-${n}/t`)));
    expect(keys.size).toBe(MQTT_KEYS_PER_SOURCE);
  });
});

describeWith(['mqtt'], 'MQTT samples on kiln.raw.v1', () => {
  let device: MqttClient;
  let pipeline: PipelineUnderTest | undefined;

  beforeAll(async () => {
    device = await connectAsync(serviceEndpoints().mqttUrl, { clientId: uniqueName('kiln-test-keys') });
  });
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
  });
  afterAll(async () => {
    await device.endAsync();
  });

  it('travel under keys chosen by tag, so they spread over partitions, each tag in order under one key', async () => {
    const prefix = uniqueName('kiln-keys');
    const id = uniqueName('keys');
    pipeline = await startPipeline('mqtt-keys', {
      connectors: [
        {
          kind: 'mqtt',
          id,
          url: serviceEndpoints().mqttUrl,
          clientId: `kiln-test-${id}`,
          cleanSession: true,
          subscriptions: [{ topic: `${prefix}/+machine/+signal`, tag: '{machine}/{signal}' }],
        },
      ],
    });
    const seen: { key: string; partition: number; tag: string; value: number }[] = [];
    await pipeline.bus.subscribe({
      groupId: uniqueName('keys-reader'),
      topics: [topics.raw.name],
      handler: async (batch) => {
        for (const record of batch.records) {
          const decoded = decodeEvent(eventTopics.raw, record.value, record.headers);
          expect(decoded.sourceId).toBe(`mqtt/${id}`);
          for (const sample of decoded.samples) {
            const kind = sample.value?.kind;
            const value = kind?.$case === 'numberValue' ? kind.value : Number.NaN;
            seen.push({ key: record.key, partition: record.partition, tag: sample.tag, value });
          }
        }
      },
    });
    // Subscribed once a probe comes through (the SUBACK is internal to the connector).
    await waitUntil(
      async () => {
        if (seen.some((sample) => sample.tag === 'probe/probe')) return true;
        await device.publishAsync(`${prefix}/probe/probe`, '0', { qos: 1 });
        return false;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the connector to receive a probe' },
    );
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (let machine = 0; machine < MACHINES; machine += 1) {
        for (let signal = 0; signal < SIGNALS; signal += 1) {
          await device.publishAsync(`${prefix}/m-${machine}/s-${signal}`, String(round), { qos: 1 });
        }
      }
    }
    const expected = MACHINES * SIGNALS * ROUNDS;
    await waitUntil(() => seen.filter((sample) => sample.tag !== 'probe/probe').length >= expected, {
      timeoutMs: 20_000,
      what: `${expected} samples on kiln.raw.v1`,
    });

    const byTag = new Map<string, { keys: Set<string>; values: number[] }>();
    for (const sample of seen.filter((entry) => entry.tag !== 'probe/probe')) {
      const entry = byTag.get(sample.tag) ?? { keys: new Set<string>(), values: [] };
      entry.keys.add(sample.key);
      entry.values.push(sample.value);
      byTag.set(sample.tag, entry);
    }
    expect(byTag.size).toBe(MACHINES * SIGNALS);
    for (const [tag, { keys, values }] of byTag) {
      expect([...keys]).toEqual([mqttRecordKey(`mqtt/${id}`, tag)]);
      expect(values).toEqual(Array.from({ length: ROUNDS }, (_, n) => n + 1));
    }
    expect(new Set(seen.map((sample) => sample.key)).size).toBeGreaterThan(10);
    expect(new Set(seen.map((sample) => sample.partition)).size).toBeGreaterThan(4);
  });
});
