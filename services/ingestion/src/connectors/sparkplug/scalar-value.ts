// Sparkplug B basic datatypes (Int8 ... UUID, spec 6.4.16) from the protobuf field they came in, for metrics and
// DataSet cells alike. Integers of up to 32 bits, Float, Double and DateTime (epoch ms) become numbers; Int64 and
// UInt64 become bigint, which the pipeline always sends as the raw contract's int_value, so a tag never switches
// wire type. That field is read as a JavaScript number by every consumer (ts-proto forceLong=number, which
// refuses to decode anything past 2^53), and UInt64 reaches 2^64: a 64-bit value beyond ±(2^53-1) is refused
// as `integer-beyond-safe-range`, never rounded.
import type { SampleValue } from '../types';
import { SparkplugDataType as T, dataTypeName, shortestFloat32 } from './datatypes';
import type { MetricWireValue } from './payload-codec';

/** Why a value was not read: the reject cause (a DLQ header and metric label). */
export type ValueProblemCause =
  'wrong-type' | 'unsupported-datatype' | 'value-too-large' | 'integer-beyond-safe-range';

export type MetricValueResult =
  | { readonly ok: true; readonly value: SampleValue }
  | { readonly ok: false; readonly cause: ValueProblemCause; readonly error: string };

const INT_BITS: Partial<Record<number, { bits: number; signed: boolean }>> = {
  [T.Int8]: { bits: 8, signed: true },
  [T.Int16]: { bits: 16, signed: true },
  [T.Int32]: { bits: 32, signed: true },
  [T.UInt8]: { bits: 8, signed: false },
  [T.UInt16]: { bits: 16, signed: false },
  [T.UInt32]: { bits: 32, signed: false },
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function isBasicDataType(datatype: number): boolean {
  return datatype >= T.Int8 && datatype <= T.UUID;
}

/** Reads a basic datatype's value; the error names the datatype and the field that came. */
export function readScalar(datatype: number, wire: MetricWireValue): MetricValueResult {
  const mismatch = (): MetricValueResult => ({
    ok: false,
    cause: 'wrong-type',
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
    case T.Int64:
    case T.UInt64:
    case T.DateTime: {
      const bits = integerBits(wire);
      if (bits === undefined) return mismatch();
      const value = datatype === T.UInt64 ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits);
      if (value > MAX_SAFE || value < -MAX_SAFE) {
        return {
          ok: false,
          cause: 'integer-beyond-safe-range',
          error: `${dataTypeName(datatype)} ${value} is beyond ±(2^53-1), which Kiln keeps exact`,
        };
      }
      return { ok: true, value: datatype === T.DateTime ? Number(value) : value };
    }
    case T.Float:
    case T.Double:
      if (wire.field === 'float') return { ok: true, value: shortestFloat32(wire.value) };
      if (wire.field === 'double') return { ok: true, value: wire.value };
      return mismatch();
    case T.Boolean:
      return wire.field === 'boolean' ? { ok: true, value: wire.value } : mismatch();
    case T.String:
    case T.Text:
    case T.UUID:
      return wire.field === 'string' ? { ok: true, value: wire.value } : mismatch();
    default:
      return {
        ok: false,
        cause: 'unsupported-datatype',
        error: `${dataTypeName(datatype)} is not a basic Sparkplug datatype`,
      };
  }
}

function integerBits(wire: MetricWireValue): bigint | undefined {
  if (wire.field === 'int') return BigInt(wire.value);
  if (wire.field === 'long') return wire.value;
  return undefined;
}
