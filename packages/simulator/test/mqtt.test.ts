import mqtt, { type MqttClient } from 'mqtt';
import type { UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { DEFAULT_PLANT_CONFIG, Plant, type SignalChange } from '../src/model';
import { startMqttJsonPublisher } from '../src/mqtt/json-publisher';
import { decodePayload, encodePayload } from '../src/mqtt/sparkplug-codec';
import { startSparkplugEdge, UNKNOWN_ALIAS, type SparkplugEdgeHandle } from '../src/mqtt/sparkplug-edge';

const URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const START = Date.parse('2025-03-03T05:00:00Z');
const run = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

interface Received {
  topic: string;
  payload: Buffer;
}

async function subscriber(topics: string[]): Promise<{ client: MqttClient; messages: Received[] }> {
  const client = await mqtt.connectAsync(URL, { clientId: `kiln-sim-test-${run}-${Math.random()}` });
  const messages: Received[] = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, messages };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function plantOf(seed: number): Plant {
  return new Plant({ ...DEFAULT_PLANT_CONFIG, lines: 1, machinesPerLine: 3 }, { seed, startTimeMs: START });
}

describe('the MQTT JSON publisher', () => {
  it('publishes every change as {value, timestamp, quality} on the templated topic', async () => {
    const plant = plantOf(1);
    const prefix = `kiln-sim-${run}`;
    const sub = await subscriber([`${prefix}/#`]);
    const publisher = await startMqttJsonPublisher(plant, {
      url: URL,
      topicTemplate: `${prefix}/{line}/{machine}/{signal}`,
      qos: 1,
      timestampFormat: 'iso',
      plant: { enterprise: 'acme', site: 'plant-1', area: '' },
    });
    const changes: SignalChange[] = [];
    plant.onChange((change) => changes.push(change));
    plant.advance(20_000);
    await publisher.flush();
    await until(() => sub.messages.length >= changes.length, 'all JSON messages');
    expect(publisher.stats().published).toBe(changes.length);
    const last = changes.filter((c) => c.machineId === 'machine-2' && c.signal === 'temperature').at(-1);
    const messages = sub.messages.filter((m) => m.topic === `${prefix}/line-1/machine-2/temperature`);
    expect(JSON.parse(messages.at(-1)?.payload.toString() ?? '{}')).toEqual({
      value: last?.value,
      timestamp: new Date(last?.sourceTimeMs ?? 0).toISOString(),
      quality: 'good',
    });
    await publisher.stop();
    await sub.client.endAsync();
  });
});

describe('the Sparkplug B edge node', () => {
  const groupId = `kiln-sim-${run}`;
  let plant: Plant;
  let edge: SparkplugEdgeHandle;
  let sub: { client: MqttClient; messages: Received[] };
  const decoded = (type: string): { topic: string; payload: UPayload }[] =>
    sub.messages
      .filter((m) => m.topic.split('/')[2] === type)
      .map((m) => ({ topic: m.topic, payload: decodePayload(m.payload) }));
  const seqs = () =>
    sub.messages
      .filter((m) => ['NBIRTH', 'DBIRTH', 'DDATA'].includes(m.topic.split('/')[2] ?? ''))
      .map((m) => Number(decodePayload(m.payload).seq));

  beforeAll(async () => {
    sub = await subscriber([`spBv1.0/${groupId}/#`]);
    plant = plantOf(2);
    plant.advance(10_000);
    edge = await startSparkplugEdge(plant, { url: URL, groupId, edgeNodeId: 'sim' });
    await until(() => decoded('DBIRTH').length === 3, 'the births');
  });
  afterAll(async () => {
    await edge.stop();
    await sub.client.endAsync();
  });

  it('publishes NBIRTH with bdSeq and the rebirth metric, then DBIRTHs with names, aliases and values', () => {
    const [nbirth] = decoded('NBIRTH');
    expect(nbirth?.topic).toBe(`spBv1.0/${groupId}/NBIRTH/sim`);
    expect(Number(nbirth?.payload.seq)).toBe(0);
    const names = nbirth?.payload.metrics?.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['bdSeq', 'Node Control/Rebirth']));
    const births = decoded('DBIRTH');
    expect(births.map((b) => b.topic)).toEqual(
      [1, 2, 3].map((i) => `spBv1.0/${groupId}/DBIRTH/sim/line-1_machine-${i}`),
    );
    expect(births.map((b) => Number(b.payload.seq))).toEqual([1, 2, 3]);
    const metrics = births[1]?.payload.metrics ?? [];
    const temperature = metrics.find((m) => m.name === 'temperature');
    expect(temperature).toMatchObject({
      type: 'Double',
      value: plant.value('acme/plant-1/line-1/machine-2', 'temperature'),
    });
    expect(Number(temperature?.alias)).toBe(edge.alias('acme/plant-1/line-1/machine-2', 'temperature'));
    expect(metrics.find((m) => m.name === 'totalCount')?.type).toBe('UInt32');
    const aliases = births.flatMap((b) => b.payload.metrics?.map((m) => Number(m.alias)) ?? []);
    expect(new Set(aliases).size).toBe(aliases.length);
  });

  it('sends DDATA by alias only with seq incrementing and wrapping after 255', async () => {
    for (let i = 0; i < 300; i += 1) plant.advance(1_000);
    await until(() => decoded('DDATA').length === edge.stats().published.DDATA, 'all DDATA');
    const data = decoded('DDATA');
    for (const message of data)
      for (const metric of message.payload.metrics ?? []) expect(metric.name ?? null).toBeNull();
    const all = seqs();
    for (let i = 1; i < all.length; i += 1) expect(all[i]).toBe(((all[i - 1] ?? 0) + 1) % 256);
    expect(all).toContain(255);
    expect(all.lastIndexOf(0)).toBeGreaterThan(0);
  });

  it('skips one seq number when asked (injectSeqGap) and can publish an unknown alias', async () => {
    const before = sub.messages.length;
    const expected = edge.stats().nextSeq;
    edge.injectSeqGap();
    plant.advance(1_000);
    await until(() => sub.messages.length > before, 'DDATA after the gap');
    expect(Number(decodePayload(sub.messages[before]?.payload ?? Buffer.alloc(0)).seq)).toBe(
      (expected + 1) % 256,
    );
    edge.publishUnknownAlias();
    await until(
      () => decoded('DDATA').some((d) => d.payload.metrics?.some((m) => Number(m.alias) === UNKNOWN_ALIAS)),
      'unknown alias',
    );
  });

  it('answers NCMD Node Control/Rebirth with NBIRTH and DBIRTHs from seq 0 and the same bdSeq', async () => {
    const bdSeq = edge.stats().bdSeq;
    sub.messages.length = 0;
    const command = encodePayload({
      timestamp: Date.now(),
      metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
    });
    await sub.client.publishAsync(`spBv1.0/${groupId}/NCMD/sim`, Buffer.from(command), { qos: 1 });
    await until(() => decoded('DBIRTH').length === 3, 'the rebirth');
    const nbirth = decoded('NBIRTH')[0]?.payload;
    expect(Number(nbirth?.seq)).toBe(0);
    expect(Number(nbirth?.metrics?.find((m) => m.name === 'bdSeq')?.value)).toBe(bdSeq);
    expect(edge.stats().rebirthRequests).toBe(1);
  });

  it('has the broker deliver NDEATH with the session bdSeq when the connection is lost, then is born again', async () => {
    const bdSeq = edge.stats().bdSeq;
    sub.messages.length = 0;
    edge.simulateConnectionLoss();
    await until(() => decoded('NDEATH').length === 1, 'NDEATH from the Will');
    const death = decoded('NDEATH')[0]?.payload;
    expect(Number(death?.metrics?.find((m) => m.name === 'bdSeq')?.value)).toBe(bdSeq);
    await until(() => decoded('NBIRTH').length === 1, 'the NBIRTH after reconnecting');
    const birth = decoded('NBIRTH')[0]?.payload;
    expect(Number(birth?.metrics?.find((m) => m.name === 'bdSeq')?.value)).toBe((bdSeq + 1) % 256);
  });
});

describe('a Sparkplug edge node with a primary host', () => {
  it('waits for the host STATE online before its births', async () => {
    const groupId = `kiln-sim-host-${run}`;
    const hostId = `host-${run}`;
    const sub = await subscriber([`spBv1.0/${groupId}/#`]);
    const edge = await startSparkplugEdge(plantOf(3), {
      url: URL,
      groupId,
      edgeNodeId: 'sim',
      primaryHostId: hostId,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sub.messages).toHaveLength(0);
    await sub.client.publishAsync(
      `spBv1.0/STATE/${hostId}`,
      JSON.stringify({ online: true, timestamp: Date.now() }),
      { qos: 1 },
    );
    await until(
      () => sub.messages.filter((m) => m.topic.includes('/DBIRTH/')).length === 3,
      'births after STATE online',
    );
    await edge.stop();
    await sub.client.endAsync();
  });
});
