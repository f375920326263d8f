// Sparkplug payload decoding (through the Tahu codec), value conversion by datatype, topics and STATE payloads.
import Long from 'long';
import { get as getSparkplugCodec } from 'sparkplug-payload';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { decodeHostStatus, encodeHostStatus } from '../../src/connectors/sparkplug/host-status';
import { SparkplugDataType as T, toSampleValue } from '../../src/connectors/sparkplug/metric-value';
import { decodeSparkplugPayload, encodeRebirthCommand } from '../../src/connectors/sparkplug/payload-codec';
import { parseSparkplugTopic } from '../../src/connectors/sparkplug/topic';

const codec = getSparkplugCodec('spBv1.0');

describe('Sparkplug payload decoding', () => {
  it('decodes what the Tahu encoder wrote: seq, timestamps, aliases, 64-bit values (exact, or refused past 2^53)', () => {
    if (codec === null) throw new Error('no spBv1.0 codec');
    const bytes = codec.encodePayload({
      timestamp: 1714543200123,
      seq: 255,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: Long.fromNumber(7, true) },
        {
          name: 'Counter',
          alias: 3,
          type: 'Int64',
          value: Long.fromString('-9007199254740991'),
          timestamp: 1714543200000,
        },
        { name: 'Speed', alias: 4, type: 'Float', value: 0.1 },
      ],
    });
    const decoded = decodeSparkplugPayload(bytes);
    expect(decoded).toMatchObject({ timestampMs: 1714543200123, seq: 255 });
    const [bd, counter, speed] = decoded.metrics;
    expect(bd).toMatchObject({ name: 'bdSeq', datatype: T.UInt64, value: { field: 'long', value: 7n } });
    expect(counter).toMatchObject({ alias: 3n, timestampMs: 1714543200000, datatype: T.Int64 });
    expect(toSampleValue(T.Int64, counter?.value ?? { field: 'none' })).toEqual({
      ok: true,
      value: -9007199254740991n,
    });
    expect(toSampleValue(T.Int64, { field: 'long', value: BigInt.asUintN(64, -9007199254740993n) })).toEqual({
      ok: false,
      cause: 'integer-beyond-safe-range',
      error: 'Int64 -9007199254740993 is beyond ±(2^53-1), which Kiln keeps exact',
    });
    expect(toSampleValue(T.Float, speed?.value ?? { field: 'none' })).toEqual({ ok: true, value: 0.1 });
  });

  it('keeps the value of an alias-only metric without datatype (Sparkplug 3.0 NDATA)', () => {
    const bytes = org.eclipse.tahu.protobuf.Payload.encode({
      seq: 1,
      metrics: [{ alias: 4, doubleValue: 3.25 }],
    }).finish();
    expect(decodeSparkplugPayload(bytes).metrics).toEqual([
      { alias: 4n, isNull: false, value: { field: 'double', value: 3.25 } },
    ]);
  });

  it('throws on bytes that are not a Sparkplug payload', () => {
    expect(() => decodeSparkplugPayload(Buffer.from('{"not":"protobuf"}'))).toThrow();
  });

  it('encodes the rebirth command as NCMD metric Node Control/Rebirth = true', () => {
    const decoded = decodeSparkplugPayload(encodeRebirthCommand(1000));
    expect(decoded.metrics).toEqual([
      {
        name: 'Node Control/Rebirth',
        datatype: T.Boolean,
        isNull: false,
        value: { field: 'boolean', value: true },
      },
    ]);
  });
});

describe('Sparkplug values by datatype', () => {
  it('reads small signed integers in both encodings edge nodes use for negatives', () => {
    expect(toSampleValue(T.Int8, { field: 'int', value: 0xffffffff })).toEqual({ ok: true, value: -1 });
    expect(toSampleValue(T.Int8, { field: 'int', value: 0xff })).toEqual({ ok: true, value: -1 });
    expect(toSampleValue(T.Int16, { field: 'int', value: 0x8000 })).toEqual({ ok: true, value: -32768 });
    expect(toSampleValue(T.Int32, { field: 'int', value: 0x80000000 })).toEqual({
      ok: true,
      value: -2147483648,
    });
    expect(toSampleValue(T.UInt32, { field: 'long', value: 4294967295n })).toEqual({
      ok: true,
      value: 4294967295,
    });
    expect(toSampleValue(T.UInt16, { field: 'int', value: 65535 })).toEqual({ ok: true, value: 65535 });
  });

  it('keeps 64-bit integers as bigint, refuses those past 2^53, and reads DateTime as epoch milliseconds', () => {
    expect(toSampleValue(T.UInt64, { field: 'long', value: 18446744073709551615n })).toMatchObject({
      ok: false,
      cause: 'integer-beyond-safe-range',
    });
    expect(toSampleValue(T.UInt64, { field: 'long', value: 9007199254740991n })).toEqual({
      ok: true,
      value: 9007199254740991n,
    });
    expect(toSampleValue(T.Int64, { field: 'long', value: 18446744073709551615n })).toEqual({
      ok: true,
      value: -1n,
    });
    expect(toSampleValue(T.DateTime, { field: 'long', value: 1714543200123n })).toEqual({
      ok: true,
      value: 1714543200123,
    });
  });

  it('reads number arrays packed little-endian in bytes (waveforms)', () => {
    const doubles = Buffer.alloc(16);
    doubles.writeDoubleLE(1.5, 0);
    doubles.writeDoubleLE(-2.25, 8);
    expect(toSampleValue(T.DoubleArray, { field: 'bytes', value: doubles })).toEqual({
      ok: true,
      value: [1.5, -2.25],
    });
    expect(
      toSampleValue(T.Int16Array, { field: 'bytes', value: Buffer.from([0xff, 0xff, 0x02, 0x00]) }),
    ).toEqual({
      ok: true,
      value: [-1, 2],
    });
    expect(toSampleValue(T.Int16Array, { field: 'bytes', value: Buffer.from([1, 2, 3]) })).toMatchObject({
      ok: false,
    });
  });

  it('refuses property value types as metric datatypes and values in the wrong field', () => {
    expect(toSampleValue(T.PropertySet, { field: 'none' })).toMatchObject({
      ok: false,
      cause: 'unsupported-datatype',
    });
    expect(toSampleValue(T.Boolean, { field: 'int', value: 1 })).toEqual({
      ok: false,
      cause: 'wrong-type',
      error: 'Boolean value came in the int field',
    });
  });
});

describe('Sparkplug topics and host STATE payloads', () => {
  it('parses node, device and STATE topics and refuses others', () => {
    expect(parseSparkplugTopic('spBv1.0/g/NDATA/e')).toEqual({
      kind: 'edge',
      type: 'NDATA',
      groupId: 'g',
      edgeNodeId: 'e',
    });
    expect(parseSparkplugTopic('spBv1.0/g/DDATA/e/d')).toEqual({
      kind: 'edge',
      type: 'DDATA',
      groupId: 'g',
      edgeNodeId: 'e',
      deviceId: 'd',
    });
    expect(parseSparkplugTopic('spBv1.0/STATE/scada-1')).toEqual({ kind: 'state', hostId: 'scada-1' });
    expect(parseSparkplugTopic('spBv1.0/g/DDATA/e')).toBeUndefined();
    expect(parseSparkplugTopic('spBv1.0/g/NDATA/e/d')).toBeUndefined();
    expect(parseSparkplugTopic('spBv1.0/g/HELLO/e')).toBeUndefined();
    expect(parseSparkplugTopic('spAv1.0/g/NDATA/e')).toBeUndefined();
  });

  it('reads 3.0 JSON and 2.2-era ONLINE/OFFLINE STATE payloads', () => {
    expect(decodeHostStatus(encodeHostStatus({ online: true, timestamp: 42 }))).toEqual({
      online: true,
      timestamp: 42,
    });
    expect(decodeHostStatus(Buffer.from('ONLINE'))).toEqual({ online: true });
    expect(decodeHostStatus(Buffer.from('OFFLINE'))).toEqual({ online: false });
    expect(decodeHostStatus(Buffer.from('{"online":"yes"}'))).toBeUndefined();
    expect(decodeHostStatus(Buffer.from([0xde, 0xad]))).toBeUndefined();
  });
});
