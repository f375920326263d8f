import { readOptions } from '../src/options';
import { assignDevices, devicesOf, sparkplugLoadNote, sparkplugLoadSetup } from '../src/load/sparkplug-plan';
import { SparkplugEdgeNode } from '../src/load/sparkplug-edge-node';
import { asksRebirth, DataType, encodePayload, varintSize } from '../src/load/sparkplug-protobuf';

// Bytes written by sparkplug-payload 1.0.3 (the codec the simulator and ingestion use) for the same payloads.
const GOLDEN_DDATA =
  '08fbe4ca91af331214100718fce4ca91af33200a690000000000002940121510ac0218fce4ca91af33200a69000000000000e03f18c801';
const GOLDEN_NBIRTH =
  '0880e4ca91af3312120a0562645365711880e4ca91af332004580312210a144e6f646520436f6e74726f6c2f526562697274681880e4ca91af33200b70001800';
const REBIRTH_TRUE = '08e7ebca91af33121a0a144e6f646520436f6e74726f6c2f52656269727468200b7001';
const REBIRTH_FALSE = '08e7ebca91af33121a0a144e6f646520436f6e74726f6c2f52656269727468200b7000';
/** `Node Control/Next Server` = true, a String and a Float metric: no rebirth asked. */
const OTHER_COMMANDS =
  '08e7ebca91af33121e0a184e6f646520436f6e74726f6c2f4e65787420536572766572200b7001120c0a0178200c7a0568656c6c6f120a0a01662009650000c03f';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Reads what the tests need of a payload: seq, payload timestamp, and each metric's alias, name, time, value. */
function readPayload(bytes: Buffer): {
  timestampMs: number;
  seq: number | undefined;
  metrics: Array<{ name?: string; alias?: number; timestampMs?: number; value?: number }>;
} {
  let position = 0;
  const varint = (end: number): number => {
    let value = 0;
    let scale = 1;
    while (position < end) {
      const byte = bytes[position++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new Error('truncated');
  };
  const result: ReturnType<typeof readPayload> = { timestampMs: 0, seq: undefined, metrics: [] };
  while (position < bytes.length) {
    const tag = varint(bytes.length);
    if (tag === 0x08) result.timestampMs = varint(bytes.length);
    else if (tag === 0x18) result.seq = varint(bytes.length);
    else if (tag === 0x12) {
      const end = varint(bytes.length) + position;
      const metric: { name?: string; alias?: number; timestampMs?: number; value?: number } = {};
      while (position < end) {
        const field = varint(end);
        if (field === 0x0a) {
          const length = varint(end);
          metric.name = bytes.toString('utf8', position, position + length);
          position += length;
        } else if (field === 0x10) metric.alias = varint(end);
        else if (field === 0x18) metric.timestampMs = varint(end);
        else if (field === 0x58) metric.value = varint(end);
        else if (field === 0x69) {
          metric.value = bytes.readDoubleLE(position);
          position += 8;
        } else varint(end);
      }
      result.metrics.push(metric);
    } else throw new Error(`unexpected tag ${tag}`);
  }
  return result;
}

describe('Sparkplug B payloads', () => {
  it('writes a DDATA byte for byte as sparkplug-payload does', () => {
    const bytes = encodePayload({
      timestampMs: 1_765_000_000_123,
      seq: 200,
      metrics: [
        {
          alias: 7,
          timestampMs: 1_765_000_000_124,
          datatype: DataType.Double,
          value: { kind: 'double', value: 12.5 },
        },
        {
          alias: 300,
          timestampMs: 1_765_000_000_124,
          datatype: DataType.Double,
          value: { kind: 'double', value: 0.5 },
        },
      ],
    });
    expect(hex(bytes)).toBe(GOLDEN_DDATA);
  });

  it('writes an NBIRTH with bdSeq (Int64) and the rebirth control (Boolean) as sparkplug-payload does', () => {
    const bytes = encodePayload({
      timestampMs: 1_765_000_000_000,
      seq: 0,
      metrics: [
        {
          name: 'bdSeq',
          timestampMs: 1_765_000_000_000,
          datatype: DataType.Int64,
          value: { kind: 'long', value: 3 },
        },
        {
          name: 'Node Control/Rebirth',
          timestampMs: 1_765_000_000_000,
          datatype: DataType.Boolean,
          value: { kind: 'boolean', value: false },
        },
      ],
    });
    expect(hex(bytes)).toBe(GOLDEN_NBIRTH);
  });

  it('sizes varints of epoch milliseconds', () => {
    expect([0, 127, 128, 16_383, 16_384, 1_765_000_000_000].map(varintSize)).toEqual([1, 1, 2, 2, 3, 6]);
  });

  it('reads a rebirth request only from Node Control/Rebirth = true', () => {
    expect(asksRebirth(Buffer.from(REBIRTH_TRUE, 'hex'))).toBe(true);
    expect(asksRebirth(Buffer.from(REBIRTH_FALSE, 'hex'))).toBe(false);
    expect(asksRebirth(Buffer.from(OTHER_COMMANDS, 'hex'))).toBe(false);
  });

  it('refuses a truncated command instead of reading past its end', () => {
    expect(() => asksRebirth(Buffer.from(REBIRTH_TRUE, 'hex').subarray(0, 12))).toThrow('truncated');
  });
});

describe('a Sparkplug edge node of the load', () => {
  const devices = [
    { deviceId: 'a0', metrics: ['s0', 's1', 's2'] },
    { deviceId: 'a1', metrics: ['s0', 's1', 's2'] },
  ];
  const node = (metricsPerMessage = 3) =>
    new SparkplugEdgeNode(
      'g',
      'node-0',
      devices,
      { deviceId: 'probe', metrics: ['p0', 'p4'] },
      metricsPerMessage,
    );

  it('publishes NBIRTH with seq 0 and its bdSeq, then a DBIRTH of every device with names and unique aliases', () => {
    const edge = node();
    edge.connected();
    const births = edge.births(1000);
    expect(births.map((one) => one.topic)).toEqual([
      'spBv1.0/g/NBIRTH/node-0',
      'spBv1.0/g/DBIRTH/node-0/a0',
      'spBv1.0/g/DBIRTH/node-0/a1',
      'spBv1.0/g/DBIRTH/node-0/probe',
    ]);
    const read = births.map((one) => readPayload(one.payload));
    expect(read.map((one) => one.seq)).toEqual([0, 1, 2, 3]);
    expect(read[0]?.metrics.map((one) => one.name)).toEqual(['bdSeq', 'Node Control/Rebirth']);
    expect(read[1]?.metrics).toEqual([
      { name: 's0', alias: 1, timestampMs: 1000, value: 0.5 },
      { name: 's1', alias: 2, timestampMs: 1000, value: 1.5 },
      { name: 's2', alias: 3, timestampMs: 1000, value: 2.5 },
    ]);
    const aliases = read.slice(1).flatMap((one) => one.metrics.map((metric) => metric.alias));
    expect(new Set(aliases).size).toBe(aliases.length);
    expect(births.every((one) => one.samples === 0)).toBe(true);
  });

  it('sends DDATA by alias with a time per value, and never gives a signal the same time twice', () => {
    const edge = node(2);
    edge.connected();
    edge.births(1000);
    const first = readPayload(edge.data(0, 1000).payload);
    const second = readPayload(edge.data(0, 1000).payload);
    expect(first.metrics).toEqual([
      { alias: 1, timestampMs: 1001, value: 0.5 },
      { alias: 2, timestampMs: 1001, value: 1.5 },
    ]);
    // The cursor goes on round the device's metrics; the clock has not moved, the times still do.
    expect(second.metrics).toEqual([
      { alias: 3, timestampMs: 1002, value: 2.5 },
      { alias: 1, timestampMs: 1002, value: 0.5 },
    ]);
    expect(readPayload(edge.data(1, 5000).payload).metrics.map((one) => one.alias)).toEqual([4, 5]);
  });

  it('reports a metric again 1 ms later when a message carries more values than the device has metrics', () => {
    const edge = node(7);
    edge.connected();
    edge.births(1000);
    const message = edge.data(0, 2000);
    expect(message.samples).toBe(7);
    expect(readPayload(message.payload).metrics.map((one) => [one.alias, one.timestampMs])).toEqual([
      [1, 2000],
      [2, 2000],
      [3, 2000],
      [1, 2001],
      [2, 2001],
      [3, 2001],
      [1, 2002],
    ]);
  });

  it('wraps seq from 255 to 0 over births and data, in order', () => {
    const edge = node();
    edge.connected();
    edge.births(1000);
    const seqs: Array<number | undefined> = [];
    for (let i = 0; i < 300; i += 1) seqs.push(readPayload(edge.data(i % 2, 1000 + i).payload).seq);
    // Four births took 0-3.
    expect(seqs[0]).toBe(4);
    expect(seqs.slice(250, 254)).toEqual([254, 255, 0, 1]);
    seqs.forEach((seq, i) => expect(seq).toBe((i + 4) % 256));
  });

  it('answers a rebirth with births from seq 0 again and the same bdSeq; a new session takes the next bdSeq', () => {
    const edge = node();
    const will = readPayload(edge.nextWill(0).payload);
    edge.connected();
    edge.births(1000);
    for (let i = 0; i < 10; i += 1) edge.data(0, 1000 + i);
    expect(edge.nextSeq).toBe(14);
    const bdSeqOf = (payload: Buffer | undefined) =>
      readPayload(payload ?? Buffer.alloc(0)).metrics.find((one) => one.name === 'bdSeq')?.value;
    const rebirth = edge.births(2000);
    expect(readPayload(rebirth[0]?.payload ?? Buffer.alloc(0)).seq).toBe(0);
    expect(bdSeqOf(rebirth[0]?.payload)).toBe(0);
    expect(will.metrics.map((one) => one.name)).toEqual(['bdSeq']);
    expect(edge.bdSeq).toBe(0);
    // The Will of the next connection carries bdSeq 1, and so does that session's NBIRTH.
    expect(bdSeqOf(edge.nextWill(3000).payload)).toBe(1);
    edge.connected();
    expect(edge.isBorn).toBe(false);
    expect(bdSeqOf(edge.births(3000)[0]?.payload)).toBe(1);
    expect(bdSeqOf(edge.death(4000).payload)).toBe(1);
  });

  it('stamps a probe value with its send time, one probe metric after the other', () => {
    const edge = node();
    edge.connected();
    edge.births(1000);
    const first = edge.probeData(5000);
    const second = edge.probeData(5003);
    expect(first?.topic).toBe('spBv1.0/g/DDATA/node-0/probe');
    expect(first?.samples).toBe(1);
    expect(readPayload(first?.payload ?? Buffer.alloc(0)).metrics).toEqual([
      { alias: 7, timestampMs: 5000, value: 0.5 },
    ]);
    expect(readPayload(second?.payload ?? Buffer.alloc(0)).metrics).toEqual([
      { alias: 8, timestampMs: 5003, value: 1.5 },
    ]);
  });
});

describe('the Sparkplug plan of the plant', () => {
  const tags = ['e2e/a0/s0', 'e2e/a0/s1', 'e2e/a1/s0', 'e2e/a1/s1', 'e2e/a2/s0', 'e2e/a2/s1'];

  it('makes each asset a device, deals the devices out to the edge nodes and gives the first the probes', () => {
    expect(devicesOf(tags)).toEqual([
      { deviceId: 'a0', metrics: ['s0', 's1'] },
      { deviceId: 'a1', metrics: ['s0', 's1'] },
      { deviceId: 'a2', metrics: ['s0', 's1'] },
    ]);
    const setup = sparkplugLoadSetup({
      url: 'mqtt://127.0.0.1:1883',
      groupId: 'kiln-e2e-run',
      tags,
      probeDeviceId: 'probe',
      probeMetrics: ['p0', 'p1', 'p2'],
      metricsPerMessage: 2,
      probeEvery: 500,
      edgeNodes: 2,
      maxInFlightPerNode: 10,
    });
    expect(assignDevices(setup)).toEqual([
      {
        edgeNodeId: 'node-0',
        devices: [
          { deviceId: 'a0', metrics: ['s0', 's1'] },
          { deviceId: 'a2', metrics: ['s0', 's1'] },
        ],
        probe: { deviceId: 'probe', metrics: ['p0', 'p1', 'p2'] },
      },
      {
        edgeNodeId: 'node-1',
        devices: [{ deviceId: 'a1', metrics: ['s0', 's1'] }],
        probe: undefined,
      },
    ]);
    expect(assignDevices({ ...setup, edgeNodes: 8 })).toHaveLength(3);
  });

  it('refuses a tag that is not <root>/<asset>/<signal>', () => {
    expect(() => devicesOf(['e2e/a0'])).toThrow("load tag 'e2e/a0'");
  });

  it('says the message rate of each step', () => {
    expect(sparkplugLoadNote(50, [20_000, 100_000])).toBe(
      ', 50 metrics per DDATA message: 400, 2,000 messages/s (probes aside)',
    );
  });

  it('reads the Sparkplug settings', () => {
    const defaults = readOptions({}, []);
    expect(defaults.modes).toEqual(['http', 'mqtt', 'sparkplug', 'in-process']);
    expect(defaults.sparkplugRates).toEqual([20_000, 40_000, 80_000, 100_000, 120_000, 160_000]);
    expect(defaults.sparkplugMetrics).toBe(50);
    const set = readOptions(
      {
        KILN_E2E_MODES: 'sparkplug',
        KILN_E2E_SPARKPLUG_RATES: '5000,10000',
        KILN_E2E_SPARKPLUG_METRICS: '25',
      },
      [],
    );
    expect(set).toMatchObject({
      modes: ['sparkplug'],
      sparkplugRates: [5_000, 10_000],
      sparkplugMetrics: 25,
    });
    expect(() => readOptions({ KILN_E2E_SPARKPLUG_METRICS: '0' }, [])).toThrow('KILN_E2E_SPARKPLUG_METRICS');
  });
});
