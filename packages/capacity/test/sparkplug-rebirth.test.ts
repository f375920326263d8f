// The Sparkplug load against a real broker (MQTT_URL, default the infra:up Mosquitto): births on connect, DDATA
// paced in samples, births again when a host asks for a rebirth.
import { connectAsync, type MqttClient } from 'mqtt';
import { SparkplugLoad } from '../src/load/sparkplug-load';
import { DataType, encodePayload, REBIRTH_METRIC } from '../src/load/sparkplug-protobuf';

const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const groupId = `kiln-test-${process.pid}-${Date.now().toString(36)}`;

interface Seen {
  readonly type: string;
  readonly node: string;
  readonly device: string | undefined;
  /** seq is the payload's last field, 0x18 <varint>; the bench's seq values stay below 128 in this test. */
  readonly seq: number | undefined;
}

function seqOf(payload: Buffer): number | undefined {
  const at = payload.length - 2;
  return payload[at] === 0x18 ? payload[at + 1] : undefined;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Sparkplug load on a broker', () => {
  let host: MqttClient;
  let load: SparkplugLoad | undefined;
  const seen: Seen[] = [];

  // The generator says on stderr when it answers a rebirth request.
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    host = await connectAsync(url, { clientId: `${groupId}-host`, clean: true });
    await host.subscribeAsync(`spBv1.0/${groupId}/#`, { qos: 0 });
    host.on('message', (topic, payload) => {
      const [, , type = '', node = '', device] = topic.split('/');
      seen.push({ type, node, device, seq: seqOf(payload) });
    });
  });

  afterAll(async () => {
    await load?.close();
    await host.endAsync();
    stderr.mockRestore();
  });

  it('publishes births, data at the paced rate and, on NCMD Node Control/Rebirth, its births again from seq 0', async () => {
    load = await SparkplugLoad.connect({
      channel: 'sparkplug',
      url,
      groupId,
      devices: [
        { deviceId: 'a0', metrics: ['s0', 's1'] },
        { deviceId: 'a1', metrics: ['s0', 's1'] },
      ],
      probeDeviceId: 'probe',
      probeMetrics: ['p0'],
      metricsPerMessage: 2,
      probeEvery: 4,
      edgeNodes: 2,
      maxInFlightPerNode: 100,
    });
    await until(() => seen.length >= 5);
    expect(seen.filter((one) => one.node === 'node-0').map((one) => [one.type, one.device, one.seq])).toEqual(
      [
        ['NBIRTH', undefined, 0],
        ['DBIRTH', 'a0', 1],
        ['DBIRTH', 'probe', 2],
      ],
    );
    expect(seen.filter((one) => one.node === 'node-1').map((one) => one.type)).toEqual(['NBIRTH', 'DBIRTH']);

    load.setRate(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    load.tick();
    const counts = load.snapshot();
    expect(counts.sent).toBeGreaterThanOrEqual(10);
    const data = () => seen.filter((one) => one.type === 'DDATA');
    const probes = () => data().filter((one) => one.device === 'probe').length;
    await until(() => (data().length - probes()) * 2 + probes() === counts.sent);
    // A probe (1 sample) after every 4 load samples (2 messages of 2).
    const loadSamples = counts.sent - probes();
    expect(probes()).toBeGreaterThanOrEqual(Math.floor(loadSamples / 4) - 1);
    expect(probes()).toBeLessThanOrEqual(Math.floor(loadSamples / 4));

    const before = seen.length;
    host.publish(
      `spBv1.0/${groupId}/NCMD/node-0`,
      encodePayload({
        timestampMs: Date.now(),
        metrics: [
          { name: REBIRTH_METRIC, datatype: DataType.Boolean, value: { kind: 'boolean', value: true } },
        ],
      }),
    );
    const answer = () => seen.slice(before).filter((one) => one.node === 'node-0' && one.type !== 'NCMD');
    await until(() => answer().length >= 3);
    expect(answer().map((one) => [one.type, one.device, one.seq])).toEqual([
      ['NBIRTH', undefined, 0],
      ['DBIRTH', 'a0', 1],
      ['DBIRTH', 'probe', 2],
    ]);
    // The other edge node was not asked.
    expect(seen.slice(before).filter((one) => one.node === 'node-1')).toEqual([]);
    expect(load.snapshot().failed).toBe(0);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('asked edge node node-0 for a rebirth'));
  });
});
