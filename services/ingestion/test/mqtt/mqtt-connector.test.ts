// The MQTT JSON connector against a real Mosquitto: what a device publishes arrives as samples, bad payloads
// as rejections, and QoS 1 messages published while the connector was away are not lost.
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { mqttConnectorConfigSchema, type MqttConnectorConfigInput } from '../../src/connectors/mqtt/config';
import { createMqttConnector } from '../../src/connectors/mqtt/mqtt-connector';
import type { Connector } from '../../src/connectors/types';
import { collectingContext, type CollectingContext } from '../support/collecting-context';

const url = serviceEndpoints().mqttUrl;

describeWith(['mqtt'], 'MQTT JSON connector', () => {
  let device: MqttClient;
  const running: Connector[] = [];
  const sessionClientIds: string[] = [];

  beforeAll(async () => {
    device = await connectAsync(url, { clientId: uniqueName('kiln-test-device') });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((connector) => connector.stop()));
  });

  afterAll(async () => {
    await device.endAsync();
    // Drop the persistent sessions the tests left at the broker.
    for (const clientId of sessionClientIds) {
      const cleaner = await connectAsync(url, { clientId, clean: true });
      await cleaner.endAsync();
    }
  });

  function configFor(prefix: string, overrides: Partial<MqttConnectorConfigInput> = {}) {
    const id = uniqueName('mqtt');
    const clientId = `kiln-test-${id}`;
    sessionClientIds.push(clientId);
    return mqttConnectorConfigSchema.parse({
      kind: 'mqtt',
      id,
      url,
      clientId,
      reconnectPeriodMs: 200,
      subscriptions: [
        {
          topic: `${prefix}/plant/+line/+machine/+signal`,
          tag: '{line}/{machine}/{signal}',
          valuePointer: '/data/value',
          timestampPointer: '/data/ts',
        },
        { topic: `${prefix}/probe` },
      ],
      ...overrides,
    });
  }

  async function startConnector(
    connector: Connector,
    context: CollectingContext,
    prefix: string,
  ): Promise<void> {
    running.push(connector);
    await connector.start(context);
    // Subscribed once a probe comes through (the SUBACK is internal to the connector).
    await waitUntil(
      async () => {
        if (context.samplesOf(`${prefix}/probe`).length > 0) return true;
        await device.publishAsync(`${prefix}/probe`, '1', { qos: 1 });
        return false;
      },
      {
        timeoutMs: 5000,
        intervalMs: 100,
        what: 'the connector to receive a probe',
        describe: () => JSON.stringify(context.states),
      },
    );
  }

  const publishJson = (topic: string, value: unknown) =>
    device.publishAsync(topic, JSON.stringify(value), { qos: 1 });

  it('turns JSON payloads into samples tagged from the topic captures, in publish order', async () => {
    const prefix = uniqueName('kiln-test');
    const config = configFor(prefix);
    const context = collectingContext('mqtt-values');
    await startConnector(createMqttConnector(config), context, prefix);
    expect(context.currentState()).toBe('connected');

    const topic = `${prefix}/plant/line-2/press-04/temperature`;
    const startMs = Date.UTC(2024, 4, 1, 6);
    for (let index = 0; index < 40; index += 1) {
      await publishJson(topic, {
        data: { value: 20 + index / 10, ts: new Date(startMs + index * 100).toISOString() },
      });
    }
    await publishJson(`${prefix}/plant/line-2/press-04/running`, { data: { value: true, ts: startMs } });
    await publishJson(`${prefix}/plant/line-2/press-04/waveform`, {
      data: { value: [0.1, 0.2, -0.3], ts: startMs },
    });

    const tag = 'line-2/press-04/temperature';
    await waitUntil(
      () =>
        context.samplesOf(tag).length === 40 && context.samplesOf('line-2/press-04/waveform').length === 1,
      {
        timeoutMs: 5000,
        what: '40 temperature samples and a waveform',
      },
    );
    const samples = context.samplesOf(tag);
    expect(samples.map((sample) => sample.value)).toEqual(
      Array.from({ length: 40 }, (_, index) => 20 + index / 10),
    );
    expect(samples.map((sample) => sample.sourceTimeUs)).toEqual(
      Array.from({ length: 40 }, (_, index) => (startMs + index * 100) * 1000),
    );
    expect(samples[0]).toMatchObject({ quality: 'good', statusCode: 0, receiveTimeUs: expect.any(Number) });
    expect(context.samplesOf('line-2/press-04/running')[0]).toMatchObject({
      value: true,
      sourceTimeUs: startMs * 1000,
    });
    expect(context.samplesOf('line-2/press-04/waveform')[0]?.value).toEqual([0.1, 0.2, -0.3]);
    expect(new Set(context.samples.map((entry) => entry.sourceId))).toEqual(new Set([`mqtt/${config.id}`]));
    expect(context.rejected).toEqual([]);

    const metrics = await context.registry.getMetricsAsJSON();
    const emitted = metrics.find((metric) => metric.name === 'kiln_mqtt_samples_emitted_total');
    expect(
      emitted?.values.find((value) => value.labels['connector'] === config.id)?.value,
    ).toBeGreaterThanOrEqual(43);
  });

  it('rejects malformed JSON, a missing value, an object value and a bad timestamp, and reads on', async () => {
    const prefix = uniqueName('kiln-test');
    const config = configFor(prefix);
    const context = collectingContext('mqtt-rejects');
    await startConnector(createMqttConnector(config), context, prefix);

    const topic = `${prefix}/plant/l1/m1/speed`;
    const bad = [
      { payload: '{"data": {"value": 1', cause: 'malformed-json' },
      { payload: JSON.stringify({ data: { ts: 0 } }), cause: 'missing-value' },
      { payload: JSON.stringify({ data: { value: { rpm: 1 }, ts: 0 } }), cause: 'wrong-type' },
      { payload: JSON.stringify({ data: { value: 1, ts: 'not a time' } }), cause: 'bad-timestamp' },
    ];
    await publishJson(topic, { data: { value: 1, ts: 1 } });
    for (const { payload } of bad) await device.publishAsync(topic, payload, { qos: 1 });
    await publishJson(topic, { data: { value: 2, ts: 2 } });

    await waitUntil(() => context.samplesOf('l1/m1/speed').length === 2, {
      timeoutMs: 5000,
      what: 'the good samples',
    });
    expect(context.samplesOf('l1/m1/speed').map((sample) => sample.value)).toEqual([1, 2]);
    expect(context.rejected.map((rejected) => rejected.cause)).toEqual(bad.map((entry) => entry.cause));
    for (const [index, rejected] of context.rejected.entries()) {
      expect(Buffer.from(rejected.payload).toString()).toBe(bad[index]?.payload);
      expect(rejected).toMatchObject({
        sourceId: `mqtt/${config.id}`,
        origin: topic,
        error: expect.any(String),
      });
    }
    expect(context.currentState()).toBe('connected');
  });

  it('delivers QoS 1 messages published while it was stopped, through its persistent session', async () => {
    const prefix = uniqueName('kiln-test');
    const config = configFor(prefix);
    const first = collectingContext('mqtt-session-1');
    const connector = createMqttConnector(config);
    await startConnector(connector, first, prefix);
    await connector.stop();
    running.splice(running.indexOf(connector), 1);
    expect(first.currentState()).toBe('stopped');

    const topic = `${prefix}/plant/l1/m1/count`;
    for (let count = 1; count <= 5; count += 1)
      await publishJson(topic, { data: { value: count, ts: count } });

    const second = collectingContext('mqtt-session-2');
    const again = createMqttConnector(config);
    running.push(again);
    await again.start(second);
    await waitUntil(() => second.samplesOf('l1/m1/count').length === 5, {
      timeoutMs: 5000,
      what: 'the 5 messages queued while stopped',
      describe: () => JSON.stringify(second.samples.map((entry) => entry.sample.value)),
    });
    expect(second.samplesOf('l1/m1/count').map((sample) => sample.value)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reconnects after losing its socket and receives what was published meanwhile', async () => {
    const prefix = uniqueName('kiln-test');
    const config = configFor(prefix);
    const context = collectingContext('mqtt-reconnect');
    let client: MqttClient | undefined;
    const connector = createMqttConnector(config, {
      connect: (brokerUrl, options) => {
        const made = connect(brokerUrl, options);
        client = made;
        return made;
      },
    });
    await startConnector(connector, context, prefix);

    const topic = `${prefix}/plant/l1/m1/pressure`;
    // Cut the TCP connection without DISCONNECT, as a network failure would; mqtt.js reconnects on its own.
    client?.stream.destroy();
    await waitUntil(() => context.currentState() === 'disconnected', {
      timeoutMs: 3000,
      what: 'the disconnected state',
    });
    for (let value = 1; value <= 3; value += 1) await publishJson(topic, { data: { value, ts: value } });

    await waitUntil(() => context.samplesOf('l1/m1/pressure').length === 3, {
      timeoutMs: 5000,
      what: 'the messages published during the outage',
    });
    expect(context.samplesOf('l1/m1/pressure').map((sample) => sample.value)).toEqual([1, 2, 3]);
    expect(context.states.map((entry) => entry.state)).toEqual(
      expect.arrayContaining(['starting', 'connected', 'disconnected']),
    );
    expect(context.currentState()).toBe('connected');
  });
});
