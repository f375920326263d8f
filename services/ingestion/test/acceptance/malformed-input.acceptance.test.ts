// Acceptance: 1,000 malformed payloads of nine kinds over MQTT JSON, Sparkplug B (both through Mosquitto) and
// HTTP. Every one ends up in kiln.dlq.v1 byte for byte with its cause, the rejected-input metric counts them per
// connector and cause, and every connector still reads good input afterwards.
// node-opcua (loaded with the simulator) prints warnings on import: silenced first.
import '../opcua/support/node-opcua-in-jest';
import { connectAsync, type MqttClient } from 'mqtt';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { dlqHeaderNames } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { decodeSparkplugPayload } from '../../src/connectors/sparkplug/payload-codec';
import { TestEdgeNode, doubleMetric } from '../sparkplug/test-edge-node';
import {
  counterValues,
  REPLAYED_DAY_SAMPLES,
  startIngestionInProcess,
  type IngestionInProcess,
} from '../support/ingestion-in-process';
import { freePort } from '@kiln/test-infra';
import { startTopicReader, type TopicReader } from '../support/topic-reader';

jest.setTimeout(90_000);

const PER_KIND = { mqtt: 100, sparkplug: 100, http: 150 } as const;
const SOURCE_TIME = '2025-03-03T05:00:00.000Z';

/** One malformed payload: built when it is sent (a Sparkplug payload carries the node's next seq). */
interface Malformed {
  readonly connectorId: string;
  readonly cause: string;
  build(): Buffer;
  deliver(payload: Buffer): Promise<void>;
}

const ProtoPayload = org.eclipse.tahu.protobuf.Payload;

describeWith(['kafka', 'mqtt'], 'acceptance: malformed input to kiln.dlq.v1', () => {
  const { mqttUrl } = serviceEndpoints();
  const mqttId = uniqueName('mqtt-malformed');
  const sparkplugId = uniqueName('sparkplug-malformed');
  const httpId = uniqueName('http-malformed');
  const topicPrefix = uniqueName('kiln-acceptance');
  const groupId = uniqueName('kiln-malformed');
  const hostId = uniqueName('kiln-host');
  const consumerGroups = new Set([mqttId, sparkplugId, httpId].map((id) => `connector/${id}`));
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;
  let client: MqttClient | undefined;

  afterAll(async () => {
    if (client !== undefined) {
      // The host's retained STATE would stay in the broker for ever: remove it.
      await client.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
      await client.endAsync();
    }
    await running?.stop();
    await reader?.close();
  }, 30_000);

  it('dead-letters 1,000 malformed payloads unchanged with their cause, counts them, and reads on', async () => {
    const httpPort = await freePort();
    reader = await startTopicReader('malformed-acceptance', {
      keepSource: (id) =>
        id === `mqtt/${mqttId}` || id.startsWith(`sparkplug/${groupId}/`) || id === `http/${httpId}-good`,
      keepDeadLetter: (record) => consumerGroups.has(record.headers[dlqHeaderNames.consumerGroup] ?? ''),
    });
    running = await startIngestionInProcess(
      'malformed-acceptance',
      [
        {
          kind: 'mqtt',
          id: mqttId,
          url: mqttUrl,
          cleanSession: true,
          subscriptions: [
            {
              topic: `${topicPrefix}/+machine/+signal`,
              tag: '{machine}/{signal}',
              valuePointer: '/value',
              timestampPointer: '/timestamp',
            },
          ],
        },
        { kind: 'sparkplug', id: sparkplugId, url: mqttUrl, hostId, groups: [groupId] },
        { kind: 'http', id: httpId, host: '127.0.0.1', port: httpPort },
      ],
      REPLAYED_DAY_SAMPLES,
    );
    const host = running;
    const kafka = reader;
    await waitUntil(() => [mqttId, sparkplugId, httpId].every((id) => host.stateOf(id) === 'connected'), {
      timeoutMs: 15_000,
      what: 'every connector to be connected',
      describe: () => JSON.stringify(host.ingestion.status()),
    });
    const mqtt = await connectAsync(mqttUrl, { clientId: uniqueName('kiln-acceptance-source') });
    client = mqtt;
    const publish = async (topic: string, payload: Buffer): Promise<void> => {
      await mqtt.publishAsync(topic, payload, { qos: 1 });
    };
    const post = async (body: Buffer): Promise<number> => {
      const response = await fetch(`http://127.0.0.1:${httpPort}/api/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    const goodMqtt = (value: number): Promise<void> =>
      publish(
        `${topicPrefix}/m1/temperature`,
        Buffer.from(JSON.stringify({ value, timestamp: SOURCE_TIME })),
      );

    // The MQTT connector subscribes after it connects: a first good message that arrives shows it listens.
    await waitUntil(
      async () => {
        await goodMqtt(20);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return kafka.samplesOf(`mqtt/${mqttId}`).length > 0;
      },
      { timeoutMs: 15_000, what: 'the MQTT connector to read its subscription' },
    );

    // A Sparkplug edge node of the test's own, born with one metric (alias 1).
    const edge = new TestEdgeNode(mqtt, groupId, 'edge-born');
    await edge.nbirth(0, [doubleMetric('temperature', 1, 20)]);
    await waitUntil(() => kafka.samplesOf(`sparkplug/${groupId}/edge-born`, 'temperature').length > 0, {
      timeoutMs: 15_000,
      what: 'the NBIRTH of the test edge node in kiln.raw.v1',
    });
    const ndata = (alias: number, value: number): Buffer => {
      const seq = edge.seq;
      edge.seq = (edge.seq + 1) % 256;
      return Buffer.from(
        ProtoPayload.encode({
          timestamp: Date.now(),
          seq,
          metrics: [{ alias, doubleValue: value }],
        }).finish(),
      );
    };

    const malformed: Malformed[] = [];
    const add = (
      connectorId: string,
      cause: string,
      build: () => Buffer,
      deliver: (payload: Buffer) => Promise<void>,
    ): void => {
      malformed.push({ connectorId, cause, build, deliver });
    };
    const text = (json: string) => (): Buffer => Buffer.from(json);
    const mqttTo = (i: number) => (payload: Buffer) =>
      publish(`${topicPrefix}/m${i % 4}/temperature`, payload);
    for (let i = 0; i < PER_KIND.mqtt; i += 1) {
      add(mqttId, 'malformed-json', text(`{"value": ${i}.5, "timestamp": "${SOURCE_TIME}"`), mqttTo(i));
      add(mqttId, 'missing-value', text(`{"temperature": ${i}, "timestamp": "${SOURCE_TIME}"}`), mqttTo(i));
      add(
        mqttId,
        'wrong-type',
        text(`{"value": {"celsius": ${i}}, "timestamp": "${SOURCE_TIME}"}`),
        mqttTo(i),
      );
      add(mqttId, 'bad-timestamp', text(`{"value": ${i}, "timestamp": "yesterday, shift ${i}"}`), mqttTo(i));
    }
    for (let i = 0; i < PER_KIND.sparkplug; i += 1) {
      add(
        sparkplugId,
        'undecodable-protobuf',
        // A length-delimited field claiming 127 bytes that are not there: no protobuf decoder accepts it.
        () => Buffer.concat([Buffer.from([0x0a, 0x7f]), Buffer.from(`not a payload ${i}`)]),
        (payload) => publish(`spBv1.0/${groupId}/DDATA/edge-born/device-${i % 3}`, payload),
      );
      // The born node's data in seq order; only the alias is wrong (its birth defined alias 1 only).
      add(
        sparkplugId,
        'unknown-alias',
        () => ndata(5_000 + i, i),
        (payload) => publish(`spBv1.0/${groupId}/NDATA/edge-born`, payload),
      );
      add(
        sparkplugId,
        'no-birth',
        () =>
          Buffer.from(
            ProtoPayload.encode({
              timestamp: Date.now(),
              seq: i,
              metrics: [{ alias: 1, doubleValue: i }],
            }).finish(),
          ),
        (payload) => publish(`spBv1.0/${groupId}/DDATA/edge-never-born/device-1`, payload),
      );
    }
    const refused = async (payload: Buffer): Promise<void> => {
      expect(await post(payload)).toBe(400);
    };
    const badRequests = [
      (i: number) =>
        `{"source": "press-${i}", "samples": [{"tag": "temperature", "value": {"celsius": ${i}}}]}`,
      (i: number) => `{"samples": [{"tag": "temperature", "value": ${i}}]}`,
      (i: number) =>
        `{"source": "press-${i}", "samples": [{"tag": "", "value": ${i}, "timestamp": "at ${i}"}]}`,
      (i: number) => `[${i}]`,
      (i: number) => `{"source": "press-${i}", "samples": [], "line": ${i}}`,
    ];
    for (let i = 0; i < PER_KIND.http; i += 1) {
      add(
        httpId,
        'malformed-json',
        text(`{"source": "press-${i}", "samples": [{"tag": "t", "value": ${i}}`),
        refused,
      );
      const badRequest = badRequests[i % badRequests.length] ?? ((n: number) => `{"n": ${n}}`);
      add(httpId, 'bad-request', text(badRequest(i)), refused);
    }
    expect(malformed).toHaveLength(1_000);

    const sent: { connectorId: string; cause: string; payload: Buffer }[] = [];
    for (const entry of malformed) {
      const payload = entry.build();
      if (entry.cause === 'undecodable-protobuf') expect(() => decodeSparkplugPayload(payload)).toThrow();
      await entry.deliver(payload);
      sent.push({ connectorId: entry.connectorId, cause: entry.cause, payload });
    }

    // Good input after all that, on every connector.
    await goodMqtt(21.5);
    await publish(`spBv1.0/${groupId}/NDATA/edge-born`, ndata(1, 42));
    const goodBody = JSON.stringify({ source: `${httpId}-good`, samples: [{ tag: 'pressure', value: 6.5 }] });
    expect(await post(Buffer.from(goodBody))).toBe(202);

    const keyOf = (connectorId: string, cause: string, payload: Uint8Array): string =>
      `connector/${connectorId} ${cause} ${Buffer.from(payload).toString('hex')}`;
    const expected = new Set(sent.map((entry) => keyOf(entry.connectorId, entry.cause, entry.payload)));
    expect(expected.size).toBe(1_000);
    const deadLettered = (): Set<string> =>
      new Set(
        kafka.deadLetters.map(
          (record) =>
            `${record.headers[dlqHeaderNames.consumerGroup] ?? ''} ${record.headers[dlqHeaderNames.errorKind] ?? ''} ${Buffer.from(record.value).toString('hex')}`,
        ),
      );
    await waitUntil(() => deadLettered().size >= expected.size, {
      timeoutMs: 30_000,
      what: 'the 1,000 malformed payloads in kiln.dlq.v1',
      describe: () => `${deadLettered().size} distinct dead letters`,
    });
    expect([...deadLettered()].sort()).toEqual([...expected].sort());
    for (const record of kafka.deadLetters) {
      expect(record.headers[dlqHeaderNames.service]).toBe('ingestion');
      expect(record.headers[dlqHeaderNames.error]?.length ?? 0).toBeGreaterThan(0);
    }

    // Every connector reads on.
    await waitUntil(
      () =>
        kafka.samplesOf(`mqtt/${mqttId}`, 'm1/temperature').some((sample) => sample.value === 21.5) &&
        kafka
          .samplesOf(`sparkplug/${groupId}/edge-born`, 'temperature')
          .some((sample) => sample.value === 42) &&
        kafka.samplesOf(`http/${httpId}-good`, 'pressure').some((sample) => sample.value === 6.5),
      { timeoutMs: 15_000, what: 'the good input sent after the malformed one, from every connector' },
    );

    // The metric counts each rejection once, per connector and cause.
    const counted: Record<string, number> = {};
    for (const entry of await counterValues(host.registry, 'kiln_ingestion_rejected_total')) {
      const connector = String(entry.labels['connector']);
      if (![mqttId, sparkplugId, httpId].includes(connector)) continue;
      counted[`${connector} ${String(entry.labels['cause'])}`] = entry.value;
    }
    expect(counted).toEqual({
      [`${mqttId} malformed-json`]: 100,
      [`${mqttId} missing-value`]: 100,
      [`${mqttId} wrong-type`]: 100,
      [`${mqttId} bad-timestamp`]: 100,
      [`${sparkplugId} undecodable-protobuf`]: 100,
      [`${sparkplugId} unknown-alias`]: 100,
      [`${sparkplugId} no-birth`]: 100,
      [`${httpId} malformed-json`]: 150,
      [`${httpId} bad-request`]: 150,
    });
  });
});
