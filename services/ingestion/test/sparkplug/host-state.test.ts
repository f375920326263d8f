// The host application state machine with plain decoded messages and an explicit clock.
import {
  SparkplugHostState,
  type EdgeNodeMessage,
  type HostAction,
} from '../../src/connectors/sparkplug/host-state';
import type { SparkplugMetric, SparkplugPayload } from '../../src/connectors/sparkplug/payload-codec';
import { SparkplugDataType as T } from '../../src/connectors/sparkplug/metric-value';
import type { EdgeMessageType } from '../../src/connectors/sparkplug/topic';

const GROUP = 'plant-1';
const EDGE = 'gateway-7';
const NODE_SOURCE = `sparkplug/${GROUP}/${EDGE}`;
const DEVICE_SOURCE = `${NODE_SOURCE}/press-04`;
const RECEIVED_US = 1_714_543_200_000_000;

function message(type: EdgeMessageType, payload: SparkplugPayload, deviceId?: string): EdgeNodeMessage {
  const base = {
    type,
    groupId: GROUP,
    edgeNodeId: EDGE,
    payload,
    raw: new Uint8Array([type.length]),
    receiveTimeUs: RECEIVED_US,
  };
  const topic = `spBv1.0/${GROUP}/${type}/${EDGE}${deviceId === undefined ? '' : `/${deviceId}`}`;
  return deviceId === undefined ? { ...base, topic } : { ...base, topic, deviceId };
}

const double = (
  name: string | undefined,
  alias: number,
  value: number,
  timestampMs?: number,
): SparkplugMetric => ({
  ...(name === undefined ? {} : { name, datatype: T.Double }),
  alias: BigInt(alias),
  ...(timestampMs === undefined ? {} : { timestampMs }),
  isNull: false,
  value: { field: 'double', value },
});
const bdSeq = (value: number): SparkplugMetric => ({
  name: 'bdSeq',
  datatype: T.UInt64,
  isNull: false,
  value: { field: 'long', value: BigInt(value) },
});

const nbirth = (seq = 0, session = 3) =>
  message('NBIRTH', {
    seq,
    timestampMs: 1000,
    metrics: [bdSeq(session), double('Line/Speed', 1, 10), double('Line/Temp', 2, 20)],
  });
const dbirth = (seq: number) =>
  message('DBIRTH', { seq, timestampMs: 1100, metrics: [double('Press/Force', 10, 5)] }, 'press-04');
const ndata = (seq: number, value: number, alias = 1) =>
  message('NDATA', { seq, timestampMs: 2000 + seq, metrics: [double(undefined, alias, value)] });

function emitted(actions: readonly HostAction[], sourceId?: string) {
  return actions.flatMap((action) =>
    action.kind === 'emit' && (sourceId === undefined || action.sourceId === sourceId) ? action.samples : [],
  );
}
const valuesOf = (actions: readonly HostAction[], sourceId?: string) =>
  emitted(actions, sourceId).map((sample) => sample.value);
const kinds = (actions: readonly HostAction[]) =>
  actions.map((action) =>
    action.kind === 'event'
      ? `event:${action.event}`
      : action.kind === 'reject'
        ? `reject:${action.input.cause}`
        : action.kind,
  );

function hostWithBirth(options = { reorderTimeoutMs: 2000, rebirthMinIntervalMs: 5000 }) {
  const host = new SparkplugHostState(options);
  host.handle(nbirth(), 0);
  return host;
}

describe('Sparkplug host state', () => {
  it('emits the birth values and resolves data aliases to the birth names, with metric or payload time', () => {
    const host = new SparkplugHostState({ reorderTimeoutMs: 2000, rebirthMinIntervalMs: 5000 });
    const birth = host.handle(nbirth(), 0);
    expect(kinds(birth)).toEqual(['event:node-birth', 'emit']);
    expect(emitted(birth, NODE_SOURCE).map((sample) => [sample.tag, sample.value])).toEqual([
      ['bdSeq', 3n],
      ['Line/Speed', 10],
      ['Line/Temp', 20],
    ]);
    const data = host.handle(
      message('NDATA', {
        seq: 1,
        timestampMs: 5000,
        metrics: [double(undefined, 1, 11, 4500), double(undefined, 2, 21)],
      }),
      10,
    );
    expect(emitted(data, NODE_SOURCE)).toEqual([
      {
        tag: 'Line/Speed',
        value: 11,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: 4_500_000,
        receiveTimeUs: RECEIVED_US,
      },
      {
        tag: 'Line/Temp',
        value: 21,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: 5_000_000,
        receiveTimeUs: RECEIVED_US,
      },
    ]);
  });

  it('keeps device alias maps from DBIRTH and emits DDATA under the device source id', () => {
    const host = hostWithBirth();
    expect(kinds(host.handle(dbirth(1), 0))).toEqual(['event:device-birth', 'emit']);
    const data = host.handle(
      message('DDATA', { seq: 2, metrics: [double(undefined, 10, 6.5)] }, 'press-04'),
      0,
    );
    expect(emitted(data, DEVICE_SOURCE).map((sample) => [sample.tag, sample.value])).toEqual([
      ['Press/Force', 6.5],
    ]);
  });

  it('takes a seq wrap from 255 to 0 as the next message, not a gap', () => {
    const host = new SparkplugHostState({ reorderTimeoutMs: 2000, rebirthMinIntervalMs: 5000 });
    host.handle(nbirth(254), 0);
    const actions = [
      ...host.handle(ndata(255, 1), 0),
      ...host.handle(ndata(0, 2), 0),
      ...host.handle(ndata(1, 3), 0),
    ];
    expect(valuesOf(actions)).toEqual([1, 2, 3]);
    expect(host.nextDeadlineMs()).toBeUndefined();
    expect(kinds(host.expire(10_000))).toEqual([]);
  });

  it('puts messages reordered within the timeout back in seq order without a rebirth', () => {
    const host = hostWithBirth();
    expect(host.handle(ndata(2, 102), 100)).toEqual([]);
    expect(host.handle(ndata(3, 103), 150)).toEqual([]);
    expect(host.nextDeadlineMs()).toBe(2100);
    const actions = host.handle(ndata(1, 101), 300);
    expect(valuesOf(actions)).toEqual([101, 102, 103]);
    expect(kinds(actions)).not.toContain('rebirth');
    expect(host.nextDeadlineMs()).toBeUndefined();
    expect(valuesOf(host.handle(ndata(4, 104), 400))).toEqual([104]);
  });

  it('declares a gap when the missing seq does not come within the timeout: rebirth, held data still emitted', () => {
    const host = hostWithBirth();
    host.handle(ndata(1, 101), 0);
    host.handle(ndata(3, 103), 1000);
    host.handle(ndata(4, 104), 1100);
    expect(host.expire(2999)).toEqual([]);
    const actions = host.expire(3000);
    expect(kinds(actions)).toEqual(['event:seq-gap', 'rebirth', 'emit', 'emit']);
    expect(actions[1]).toEqual({
      kind: 'rebirth',
      groupId: GROUP,
      edgeNodeId: EDGE,
      reason: 'seq gap: expected 2, got 3',
    });
    expect(valuesOf(actions)).toEqual([103, 104]);
    // The late seq 2 is read without another gap; seq 5 follows 4.
    expect(valuesOf(host.handle(ndata(2, 102), 3100))).toEqual([102]);
    expect(valuesOf(host.handle(ndata(5, 105), 3200))).toEqual([105]);
    expect(host.nextDeadlineMs()).toBeUndefined();
  });

  it('sends rebirth requests to a node no more often than rebirthMinIntervalMs', () => {
    const host = hostWithBirth({ reorderTimeoutMs: 0, rebirthMinIntervalMs: 5000 });
    const rebirths = (actions: readonly HostAction[]) =>
      actions.filter((action) => action.kind === 'rebirth').length;
    expect(rebirths(host.handle(ndata(1, 1, 99), 1000))).toBe(1);
    expect(rebirths(host.handle(ndata(2, 1, 99), 2000))).toBe(0);
    expect(rebirths(host.handle(ndata(3, 1, 99), 6000))).toBe(1);
  });

  it('rejects a message with an unknown alias, asks for a rebirth and still emits the known metrics', () => {
    const host = hostWithBirth();
    const actions = host.handle(
      message('NDATA', { seq: 1, metrics: [double(undefined, 1, 12), double(undefined, 77, 0)] }),
      0,
    );
    expect(kinds(actions)).toEqual(['emit', 'event:unknown-alias', 'reject:unknown-alias', 'rebirth']);
    expect(valuesOf(actions)).toEqual([12]);
    const rejection = actions.find((action) => action.kind === 'reject');
    expect(rejection).toMatchObject({
      input: {
        sourceId: NODE_SOURCE,
        origin: `spBv1.0/${GROUP}/NDATA/${EDGE}`,
        error: expect.stringContaining('alias 77'),
      },
    });
  });

  it('answers data before any birth with a rejection and a rebirth request', () => {
    const host = new SparkplugHostState({ reorderTimeoutMs: 2000, rebirthMinIntervalMs: 5000 });
    expect(kinds(host.handle(ndata(17, 1), 0))).toEqual(['event:no-birth', 'reject:no-birth', 'rebirth']);
    const ddata = host.handle(message('DDATA', { seq: 18, metrics: [] }, 'press-04'), 10_000);
    expect(kinds(ddata)).toEqual(['event:no-birth', 'reject:no-birth', 'rebirth']);
    const deviceBeforeDbirth = hostWithBirth().handle(
      message('DDATA', { seq: 1, metrics: [] }, 'press-04'),
      0,
    );
    expect(kinds(deviceBeforeDbirth)).toEqual(['event:no-birth', 'reject:no-birth', 'rebirth']);
  });

  it('marks node and device metrics stale (last value, quality bad) on an NDEATH whose bdSeq matches', () => {
    const host = hostWithBirth();
    host.handle(dbirth(1), 0);
    host.handle(ndata(2, 15), 0);
    const actions = host.handle(message('NDEATH', { metrics: [bdSeq(3)] }), 0);
    expect(kinds(actions)).toEqual(['event:node-death', 'emit', 'emit']);
    expect(emitted(actions, NODE_SOURCE).map((sample) => [sample.tag, sample.value, sample.quality])).toEqual(
      [
        ['bdSeq', 3n, 'bad'],
        ['Line/Speed', 15, 'bad'],
        ['Line/Temp', 20, 'bad'],
      ],
    );
    expect(emitted(actions, DEVICE_SOURCE)).toEqual([
      { tag: 'Press/Force', value: 5, quality: 'bad', statusCode: 0, receiveTimeUs: RECEIVED_US },
    ]);
    // Dead until the next birth.
    expect(kinds(host.handle(ndata(3, 1), 0))).toContain('reject:no-birth');
  });

  it('ignores an NDEATH of an older session (other bdSeq)', () => {
    const host = hostWithBirth();
    const actions = host.handle(message('NDEATH', { metrics: [bdSeq(2)] }), 0);
    expect(kinds(actions)).toEqual(['event:old-death-ignored']);
    expect(valuesOf(host.handle(ndata(1, 42), 0))).toEqual([42]);
  });

  it('marks only the device metrics stale on DDEATH, with the DDEATH time', () => {
    const host = hostWithBirth();
    host.handle(dbirth(1), 0);
    const actions = host.handle(message('DDEATH', { seq: 2, timestampMs: 9000, metrics: [] }, 'press-04'), 0);
    expect(kinds(actions)).toEqual(['event:device-death', 'emit']);
    expect(emitted(actions, DEVICE_SOURCE)).toEqual([
      {
        tag: 'Press/Force',
        value: 5,
        quality: 'bad',
        statusCode: 0,
        sourceTimeUs: 9_000_000,
        receiveTimeUs: RECEIVED_US,
      },
    ]);
    expect(valuesOf(host.handle(ndata(3, 7), 0))).toEqual([7]);
  });

  it('starts over on a new NBIRTH: new aliases, new seq, devices forgotten', () => {
    const host = hostWithBirth();
    host.handle(dbirth(1), 0);
    host.handle(message('NBIRTH', { seq: 0, metrics: [bdSeq(4), double('Line/Pressure', 1, 3)] }), 0);
    expect(emitted(host.handle(ndata(1, 4), 0)).map((sample) => sample.tag)).toEqual(['Line/Pressure']);
    expect(kinds(host.handle(message('DDATA', { seq: 2, metrics: [] }, 'press-04'), 0))).toContain(
      'reject:no-birth',
    );
  });

  it('dead-letters metrics of datatypes it does not read, each time, and values that contradict their datatype', () => {
    const host = new SparkplugHostState({ reorderTimeoutMs: 2000, rebirthMinIntervalMs: 5000 });
    const birth = host.handle(
      message('NBIRTH', {
        seq: 0,
        metrics: [
          bdSeq(1),
          { name: 'Props', alias: 5n, datatype: T.PropertySet, isNull: false, value: { field: 'none' } },
          { name: 'Count', alias: 6n, datatype: T.Int32, isNull: false, value: { field: 'int', value: 7 } },
        ],
      }),
      0,
    );
    expect(kinds(birth)).toEqual(['event:node-birth', 'emit', 'reject:unsupported-datatype']);
    const data = host.handle(
      message('NDATA', {
        seq: 1,
        metrics: [
          { alias: 5n, isNull: false, value: { field: 'extension' } },
          { alias: 6n, isNull: false, value: { field: 'string', value: 'seven' } },
        ],
      }),
      0,
    );
    expect(kinds(data)).toEqual(['reject:unsupported-datatype', 'reject:wrong-type']);
    expect(data[0]).toMatchObject({
      input: { error: expect.stringMatching(/^NDATA: Props: PropertySet is/) },
    });
    expect(data[1]).toMatchObject({ input: { error: 'NDATA: Count: Int32 value came in the string field' } });
  });
});
