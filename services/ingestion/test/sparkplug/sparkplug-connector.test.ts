// The Sparkplug B host connector against a real Mosquitto and a small edge node made of mqtt.js and the Tahu
// codec: STATE announcements and Will, births and aliases, seq gaps answered with a rebirth, deaths.
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { sparkplugConnectorConfigSchema } from '../../src/connectors/sparkplug/config';
import { createSparkplugConnector } from '../../src/connectors/sparkplug/sparkplug-connector';
import type { Connector } from '../../src/connectors/types';
import { collectingContext, type CollectingContext } from '../support/collecting-context';
import { doubleMetric, TestEdgeNode } from './test-edge-node';

const url = serviceEndpoints().mqttUrl;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWith(['mqtt'], 'Sparkplug B host connector', () => {
  let edgeClient: MqttClient;
  const running: Connector[] = [];
  const retainedTopics: string[] = [];

  beforeAll(async () => {
    edgeClient = await connectAsync(url, { clientId: uniqueName('kiln-test-edge') });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((connector) => connector.stop()));
  });

  afterAll(async () => {
    // Clear the retained STATE messages the hosts left.
    for (const topic of retainedTopics) await edgeClient.publishAsync(topic, '', { qos: 1, retain: true });
    await edgeClient.endAsync();
  });

  async function startHost(options: { reorderTimeoutMs?: number; rebirthMinIntervalMs?: number } = {}) {
    const groupId = uniqueName('kiln-test-group');
    const hostId = uniqueName('kiln-test-host');
    retainedTopics.push(`spBv1.0/STATE/${hostId}`);
    const config = sparkplugConnectorConfigSchema.parse({
      kind: 'sparkplug',
      id: hostId,
      url,
      hostId,
      groups: [groupId],
      reconnectPeriodMs: 200,
      reorderTimeoutMs: options.reorderTimeoutMs ?? 300,
      rebirthMinIntervalMs: options.rebirthMinIntervalMs ?? 0,
    });
    const clients: MqttClient[] = [];
    const connector = createSparkplugConnector(config, {
      connect: (brokerUrl, clientOptions) => {
        const client = connect(brokerUrl, clientOptions);
        clients.push(client);
        return client;
      },
    });
    const context = collectingContext('sparkplug-test');
    running.push(connector);
    await connector.start(context);
    await waitUntil(() => context.currentState() === 'connected', {
      timeoutMs: 5000,
      what: 'the host to announce itself online',
      describe: () => JSON.stringify(context.states),
    });
    const edge = new TestEdgeNode(edgeClient, groupId, uniqueName('edge'));
    await edge.listenForCommands();
    return { connector, context, edge, groupId, hostId, clients };
  }

  const tagsOf = (context: CollectingContext, sourceId: string) =>
    context.samples.filter((entry) => entry.sourceId === sourceId).map((entry) => entry.sample);

  it('announces itself on its STATE topic, its Will says offline when the socket dies, and it re-announces', async () => {
    const { connector, hostId, clients } = await startHost();
    const states: { online: boolean; timestamp: number }[] = [];
    const watcher = await connectAsync(url, { clientId: uniqueName('kiln-test-watcher') });
    try {
      watcher.on('message', (_topic, payload) => {
        if (payload.length > 0) states.push(JSON.parse(payload.toString()));
      });
      await watcher.subscribeAsync(`spBv1.0/STATE/${hostId}`, { qos: 1 });
      await waitUntil(() => states.length === 1, { timeoutMs: 3000, what: 'the retained STATE message' });
      const first = states[0];
      expect(first).toEqual({ online: true, timestamp: expect.any(Number) });

      // No DISCONNECT: the broker publishes the Will, with the timestamp of the online message.
      clients[0]?.stream.destroy();
      await waitUntil(() => states.length >= 3, {
        timeoutMs: 5000,
        what: 'the Will and the re-announcement',
        describe: () => JSON.stringify(states),
      });
      expect(states[1]).toEqual({ online: false, timestamp: first?.timestamp });
      expect(states[2]).toEqual({ online: true, timestamp: expect.any(Number) });
      expect(states[2]?.timestamp).toBeGreaterThanOrEqual(first?.timestamp ?? Infinity);

      await connector.stop();
      running.splice(running.indexOf(connector), 1);
      await waitUntil(() => states.length >= 4, { timeoutMs: 3000, what: 'the offline STATE on stop' });
      expect(states[3]).toEqual({ online: false, timestamp: states[2]?.timestamp });
    } finally {
      await watcher.endAsync();
    }
  });

  it('reads births and alias-only data into named samples with their timestamps', async () => {
    const { context, edge, groupId } = await startHost();
    await edge.nbirth(1, [doubleMetric('Line/Speed', 1, 10)]);
    await edge.dbirth('press-04', [doubleMetric('Press/Force', 10, 5), doubleMetric('Press/Temp', 11, 60)]);
    const at = Date.UTC(2024, 4, 1, 6);
    await edge.data(
      [
        { alias: 10, doubleValue: 5.5, timestamp: at },
        { alias: 11, doubleValue: 61 },
      ],
      {
        deviceId: 'press-04',
        timestamp: at + 7,
      },
    );
    await edge.data([{ alias: 1, doubleValue: 12 }], { timestamp: at + 9 });

    const nodeSource = `sparkplug/${groupId}/${edge.edgeNodeId}`;
    const deviceSource = `${nodeSource}/press-04`;
    await waitUntil(
      () => tagsOf(context, deviceSource).length === 4 && tagsOf(context, nodeSource).length === 3,
      {
        timeoutMs: 5000,
        what: 'birth and data samples',
        describe: () =>
          JSON.stringify(context.samples, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)),
      },
    );
    expect(tagsOf(context, nodeSource).map((sample) => [sample.tag, sample.value])).toEqual([
      ['bdSeq', 1n],
      ['Line/Speed', 10],
      ['Line/Speed', 12],
    ]);
    expect(tagsOf(context, deviceSource).slice(2)).toEqual([
      {
        tag: 'Press/Force',
        value: 5.5,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: at * 1000,
        receiveTimeUs: expect.any(Number),
      },
      {
        tag: 'Press/Temp',
        value: 61,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: (at + 7) * 1000,
        receiveTimeUs: expect.any(Number),
      },
    ]);
    expect(context.rejected).toEqual([]);
    expect(edge.rebirthRequests()).toBe(0);
  });

  it('answers a seq gap with an NCMD Node Control/Rebirth after the reorder timeout', async () => {
    const { context, edge } = await startHost({ reorderTimeoutMs: 200 });
    await edge.nbirth(1, [doubleMetric('Line/Speed', 1, 10)]);
    await edge.data([{ alias: 1, doubleValue: 1 }]);
    edge.seq += 1; // a lost message
    await edge.data([{ alias: 1, doubleValue: 3 }]);
    await waitUntil(() => edge.rebirthRequests() === 1, {
      timeoutMs: 3000,
      what: 'a rebirth request at the edge',
    });
    expect(context.samplesOf('Line/Speed').map((sample) => sample.value)).toEqual([10, 1, 3]);
    const metrics = await context.registry.getMetricsAsJSON();
    const gaps = metrics.find((metric) => metric.name === 'kiln_sparkplug_seq_gaps_total');
    expect(gaps?.values[0]?.value).toBe(1);
  });

  it('takes a seq wrap 255 -> 0 and a reorder within the timeout as no gap', async () => {
    const { context, edge } = await startHost({ reorderTimeoutMs: 1000 });
    await edge.nbirth(1, [doubleMetric('Line/Speed', 1, 0)], 254);
    await edge.data([{ alias: 1, doubleValue: 255 }]); // seq 255
    await edge.data([{ alias: 1, doubleValue: 256 }]); // seq 0
    await edge.data([{ alias: 1, doubleValue: 258 }], { seq: 2 });
    await delay(100);
    await edge.data([{ alias: 1, doubleValue: 257 }], { seq: 1 });
    await waitUntil(() => context.samplesOf('Line/Speed').length === 5, {
      timeoutMs: 3000,
      what: 'five samples',
    });
    await delay(1300);
    expect(context.samplesOf('Line/Speed').map((sample) => sample.value)).toEqual([0, 255, 256, 257, 258]);
    expect(edge.rebirthRequests()).toBe(0);
  });

  it('rejects data with an unknown alias or before a birth, and asks for a rebirth', async () => {
    const { context, edge } = await startHost();
    await edge.data([{ alias: 1, doubleValue: 1 }], { seq: 9 });
    await waitUntil(() => edge.rebirthRequests() === 1, {
      timeoutMs: 3000,
      what: 'a rebirth after data before birth',
    });
    await edge.nbirth(1, [doubleMetric('Line/Speed', 1, 10)]);
    await edge.data([
      { alias: 1, doubleValue: 11 },
      { alias: 99, doubleValue: 0 },
    ]);
    await waitUntil(() => edge.rebirthRequests() === 2, {
      timeoutMs: 3000,
      what: 'a rebirth after an unknown alias',
    });
    expect(context.rejected.map((rejected) => rejected.cause)).toEqual(['no-birth', 'unknown-alias']);
    expect(context.rejected[1]).toMatchObject({
      origin: `spBv1.0/${edge.groupId}/NDATA/${edge.edgeNodeId}`,
      error: expect.stringContaining('alias 99'),
    });
    expect(context.rejected[1]?.payload.byteLength).toBeGreaterThan(0);
    expect(context.samplesOf('Line/Speed').map((sample) => sample.value)).toEqual([10, 11]);
  });

  it('marks the node metrics stale on an NDEATH with the birth bdSeq and ignores one of an older session', async () => {
    const { context, edge, groupId } = await startHost();
    await edge.nbirth(5, [doubleMetric('Line/Speed', 1, 10)]);
    await edge.dbirth('press-04', [doubleMetric('Press/Force', 10, 5)]);
    await edge.data([{ alias: 1, doubleValue: 12 }]);
    await edge.ndeath(4);
    await edge.data([{ alias: 1, doubleValue: 13 }]);
    await edge.ndeath(5);
    const nodeSource = `sparkplug/${groupId}/${edge.edgeNodeId}`;
    await waitUntil(() => context.samplesOf('Press/Force').length === 2, {
      timeoutMs: 3000,
      what: 'stale samples',
    });
    expect(tagsOf(context, nodeSource).map((sample) => [sample.tag, sample.value, sample.quality])).toEqual([
      ['bdSeq', 5n, 'good'],
      ['Line/Speed', 10, 'good'],
      ['Line/Speed', 12, 'good'],
      ['Line/Speed', 13, 'good'],
      ['bdSeq', 5n, 'bad'],
      ['Line/Speed', 13, 'bad'],
    ]);
    expect(context.samplesOf('Press/Force').map((sample) => sample.quality)).toEqual(['good', 'bad']);
  });

  it('ignores STATE messages of other hosts, 2.2-era plain ones included, and re-announces itself when declared offline', async () => {
    const { context, hostId, edge } = await startHost();
    const otherHost = `spBv1.0/STATE/${uniqueName('kiln-test-other')}`;
    await edgeClient.publishAsync(otherHost, 'ONLINE', { qos: 1 });
    await edgeClient.publishAsync(otherHost, 'OFFLINE', { qos: 1 });
    await edgeClient.publishAsync(otherHost, JSON.stringify({ online: true, timestamp: 1 }), { qos: 1 });
    await edgeClient.publishAsync(otherHost, 'garbage', { qos: 1 });
    // A 2.2-era OFFLINE for our own host id (say, a stale Will): the host says it is online again.
    const own = `spBv1.0/STATE/${hostId}`;
    const seen: string[] = [];
    const watcher = await connectAsync(url, { clientId: uniqueName('kiln-test-watcher') });
    try {
      watcher.on('message', (_topic, payload) => seen.push(payload.toString()));
      await watcher.subscribeAsync(own, { qos: 1 });
      await edgeClient.publishAsync(own, 'OFFLINE', { qos: 1, retain: true });
      await waitUntil(() => seen.some((text, index) => index > 0 && text.includes('"online":true')), {
        timeoutMs: 3000,
        what: 'the host to publish online again',
        describe: () => JSON.stringify(seen),
      });
    } finally {
      await watcher.endAsync();
    }
    // Undecodable edge payloads are rejected; the connector reads on.
    await edge.publishRaw('NDATA', Buffer.from('not protobuf at all, {}'));
    await edge.nbirth(1, [doubleMetric('Line/Speed', 1, 10)]);
    await waitUntil(() => context.samplesOf('Line/Speed').length === 1, {
      timeoutMs: 3000,
      what: 'the birth after junk',
    });
    expect(context.rejected.map((rejected) => rejected.cause)).toEqual(['undecodable-protobuf']);
    expect(Buffer.from(context.rejected[0]?.payload ?? []).toString()).toBe('not protobuf at all, {}');
    expect(context.currentState()).toBe('connected');
  });
});
