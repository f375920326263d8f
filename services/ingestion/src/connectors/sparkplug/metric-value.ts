// Sparkplug B metric values to sample values, by the metric's datatype (Sparkplug 3.0, 6.4.16).
//
// Integers of up to 32 bits and DateTime (epoch ms) become numbers; Int64 and UInt64 always become bigint,
// whatever their size, so one tag never switches type. Arrays of numbers (3.0 array types, packed
// little-endian in bytes_value) become number[]; 64-bit array elements past 2^53 lose precision.
import type { SampleValue } from '../types';
import type { MetricWireValue } from './payload-codec';

export const SparkplugDataType = {
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
  Int8Array: 22,
  Int16Array: 23,
  Int32Array: 24,
  Int64Array: 25,
  UInt8Array: 26,
  UInt16Array: 27,
  UInt32Array: 28,
  UInt64Array: 29,
  FloatArray: 30,
  DoubleArray: 31,
  BooleanArray: 32,
  StringArray: 33,
  DateTimeArray: 34,
} as const;

const NAMES = new Map<number, string>(Object.entries(SparkplugDataType).map(([name, code]) => [code, name]));

export function dataTypeName(datatype: number): string {
  return NAMES.get(datatype) ?? `datatype ${datatype}`;
}

/** Whether Kiln can turn values of this datatype into samples (not DataSet, Bytes, File, Template, ...). */
export function isSupportedDataType(datatype: number): boolean {
  return (datatype >= 1 && datatype <= 15) || (datatype >= 22 && datatype <= 31) || datatype === 34;
}

export type MetricValueResult =
  { readonly ok: true; readonly value: SampleValue } | { readonly ok: false; readonly error: string };

const INT_BITS: Partial<Record<number, { bits: number; signed: boolean }>> = {
  [SparkplugDataType.Int8]: { bits: 8, signed: true },
  [SparkplugDataType.Int16]: { bits: 16, signed: true },
  [SparkplugDataType.Int32]: { bits: 32, signed: true },
  [SparkplugDataType.UInt8]: { bits: 8, signed: false },
  [SparkplugDataType.UInt16]: { bits: 16, signed: false },
  [SparkplugDataType.UInt32]: { bits: 32, signed: false },
};

// element size in bytes and reader, per array datatype (Sparkplug 3.0, 6.4.17)
const ARRAY_READERS: Partial<
  Record<number, { size: number; read: (view: DataView, offset: number) => number }>
> = {
  [SparkplugDataType.Int8Array]: { size: 1, read: (view, offset) => view.getInt8(offset) },
  [SparkplugDataType.Int16Array]: { size: 2, read: (view, offset) => view.getInt16(offset, true) },
  [SparkplugDataType.Int32Array]: { size: 4, read: (view, offset) => view.getInt32(offset, true) },
  [SparkplugDataType.Int64Array]: { size: 8, read: (view, offset) => Number(view.getBigInt64(offset, true)) },
  [SparkplugDataType.UInt8Array]: { size: 1, read: (view, offset) => view.getUint8(offset) },
  [SparkplugDataType.UInt16Array]: { size: 2, read: (view, offset) => view.getUint16(offset, true) },
  [SparkplugDataType.UInt32Array]: { size: 4, read: (view, offset) => view.getUint32(offset, true) },
  [SparkplugDataType.UInt64Array]: {
    size: 8,
    read: (view, offset) => Number(view.getBigUint64(offset, true)),
  },
  [SparkplugDataType.FloatArray]: {
    size: 4,
    read: (view, offset) => shortestFloat32(view.getFloat32(offset, true)),
  },
  [SparkplugDataType.DoubleArray]: { size: 8, read: (view, offset) => view.getFloat64(offset, true) },
  [SparkplugDataType.DateTimeArray]: {
    size: 8,
    read: (view, offset) => Number(view.getBigUint64(offset, true)),
  },
};

/** Reads a metric value as its datatype says; the error names the datatype and the field that came. */
export function toSampleValue(datatype: number, wire: MetricWireValue): MetricValueResult {
  const mismatch = (): MetricValueResult => ({
    ok: false,
    error: `${dataTypeName(datatype)} value came in the ${wire.field} field`,
  });
  const intBits = INT_BITS[datatype];
  if (intBits !== undefined) {
    const bits = integerBits(wire);
    if (bits === undefined) return mismatch();
    // Masking to the type's width reads both encodings edge nodes use for negative small integers
    // (sign-extended to 32 bits, or only the type's own bits).
    const value = intBits.signed ? BigInt.asIntN(intBits.bits, bits) : BigInt.asUintN(intBits.bits, bits);
    return { ok: true, value: Number(value) };
  }
  switch (datatype) {
    case SparkplugDataType.Int64:
    case SparkplugDataType.UInt64: {
      const bits = integerBits(wire);
      if (bits === undefined) return mismatch();
      return {
        ok: true,
        value: datatype === SparkplugDataType.Int64 ? BigInt.asIntN(64, bits) : BigInt.asUintN(64, bits),
      };
    }
    case SparkplugDataType.DateTime: {
      const bits = integerBits(wire);
      return bits === undefined ? mismatch() : { ok: true, value: Number(bits) };
    }
    case SparkplugDataType.Float:
    case SparkplugDataType.Double:
      if (wire.field === 'float') return { ok: true, value: shortestFloat32(wire.value) };
      if (wire.field === 'double') return { ok: true, value: wire.value };
      return mismatch();
    case SparkplugDataType.Boolean:
      return wire.field === 'boolean' ? { ok: true, value: wire.value } : mismatch();
    case SparkplugDataType.String:
    case SparkplugDataType.Text:
    case SparkplugDataType.UUID:
      return wire.field === 'string' ? { ok: true, value: wire.value } : mismatch();
  }
  const array = ARRAY_READERS[datatype];
  if (array !== undefined) {
    if (wire.field !== 'bytes') return mismatch();
    if (wire.value.byteLength % array.size !== 0) {
      return {
        ok: false,
        error: `${dataTypeName(datatype)} of ${wire.value.byteLength} bytes is not a whole number of ${array.size}-byte elements`,
      };
    }
    const view = new DataView(wire.value.buffer, wire.value.byteOffset, wire.value.byteLength);
    const values: number[] = [];
    for (let offset = 0; offset < wire.value.byteLength; offset += array.size)
      values.push(array.read(view, offset));
    return { ok: true, value: values };
  }
  return { ok: false, error: `${dataTypeName(datatype)} values are not read by Kiln` };
}

function integerBits(wire: MetricWireValue): bigint | undefined {
  if (wire.field === 'int') return BigInt(wire.value);
  if (wire.field === 'long') return wire.value;
  return undefined;
}

/** A float32 as the shortest decimal that reads back as the same float32 (0.1f is 0.1, not 0.100000001). */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits <= 9; digits += 1) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
