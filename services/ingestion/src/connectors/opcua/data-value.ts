// Turns an OPC UA DataValue into a Sample: the Variant into a SampleValue, the StatusCode into a quality,
// the source timestamp into microseconds. Pure: the receive time is an argument.
import { BinaryStream, DataType, VariantArrayType, type DataValue, type Variant } from 'node-opcua';
import { CAUSE_OF_FIELD, sampleProblem } from '../sample-problems';
import { toMicros, type Sample, type SampleQuality, type SampleValue } from '../types';

export type ValueConversion =
  | { readonly ok: true; readonly value: SampleValue }
  | { readonly ok: false; readonly cause: 'wrong-type' | 'missing-value'; readonly reason: string };

export type SampleConversion =
  | { readonly ok: true; readonly sample: Sample }
  | {
      readonly ok: false;
      readonly cause: 'wrong-type' | 'missing-value' | 'bad-timestamp' | 'bad-tag' | 'bad-source';
      readonly reason: string;
    };

/** OPC 10000-4, 7.39.2: bits 31-30 of a StatusCode are its severity: 00 Good, 01 Uncertain, 10/11 Bad. */
export function qualityOf(statusCode: number): SampleQuality {
  const severity = (statusCode >>> 30) & 0b11;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}

/** OPC UA's DateTime 0 (1601-01-01) and anything before the Unix epoch mean "no time" here. */
function microsOf(time: Date | null | undefined): number | undefined {
  if (time === null || time === undefined) return undefined;
  const ms = time.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return toMicros(ms);
}

export function sampleOf(tag: string, dataValue: DataValue, receiveTimeUs: number): SampleConversion {
  const statusCode = dataValue.statusCode.value >>> 0;
  const converted = sampleValueOf(dataValue.value);
  if (!converted.ok) return converted;
  // The server's timestamp stands in only where the source gives none (a server without source clocks).
  const sourceTimeUs = microsOf(dataValue.sourceTimestamp) ?? microsOf(dataValue.serverTimestamp);
  const sample: Sample =
    sourceTimeUs === undefined
      ? { tag, value: converted.value, quality: qualityOf(statusCode), statusCode, receiveTimeUs }
      : {
          tag,
          value: converted.value,
          quality: qualityOf(statusCode),
          statusCode,
          sourceTimeUs,
          receiveTimeUs,
        };
  // A text with NUL, NaN, or a server clock past 2255 (beyond int64 µs as a safe number) is refused by name.
  const problem = sampleProblem(sample);
  if (problem !== undefined)
    return { ok: false, cause: CAUSE_OF_FIELD[problem.field], reason: problem.message };
  return { ok: true, sample };
}

const NUMBER_TYPES: ReadonlySet<DataType> = new Set([
  DataType.SByte,
  DataType.Byte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Float,
  DataType.Double,
]);

export function sampleValueOf(variant: Variant | null | undefined): ValueConversion {
  if (variant === null || variant === undefined || variant.dataType === DataType.Null) {
    return { ok: false, cause: 'missing-value', reason: 'the DataValue carries no value (Null Variant)' };
  }
  const typeName = DataType[variant.dataType] ?? `DataType ${variant.dataType}`;
  if (variant.arrayType === VariantArrayType.Array) {
    if (!NUMBER_TYPES.has(variant.dataType)) {
      return {
        ok: false,
        cause: 'wrong-type',
        reason: `arrays of ${typeName} are not supported, only numeric ones`,
      };
    }
    return numberArrayOf(variant.value, typeName);
  }
  if (variant.arrayType !== VariantArrayType.Scalar) {
    return { ok: false, cause: 'wrong-type', reason: `a ${typeName} matrix is not supported` };
  }
  return scalarOf(variant.dataType, variant.value, typeName);
}

function scalarOf(dataType: DataType, value: unknown, typeName: string): ValueConversion {
  if (NUMBER_TYPES.has(dataType)) {
    return typeof value === 'number' ? ok(value) : unexpected(typeName, value);
  }
  switch (dataType) {
    case DataType.Boolean:
      return typeof value === 'boolean' ? ok(value) : unexpected(typeName, value);
    case DataType.Int64:
      return int64Of(value, true, typeName);
    case DataType.UInt64:
      return int64Of(value, false, typeName);
    case DataType.String:
    case DataType.Guid:
      if (value === null) return { ok: false, cause: 'missing-value', reason: `null ${typeName}` };
      return typeof value === 'string' ? ok(value) : unexpected(typeName, value);
    case DataType.LocalizedText:
      return localizedTextOf(value, typeName);
    case DataType.ByteString:
      if (value === null) return { ok: false, cause: 'missing-value', reason: 'null ByteString' };
      // Kept as hex: the pipeline carries texts, and hex survives every hop unchanged.
      return Buffer.isBuffer(value) ? ok(value.toString('hex')) : unexpected(typeName, value);
    case DataType.DateTime:
      return value instanceof Date && Number.isFinite(value.getTime())
        ? ok(value.toISOString())
        : unexpected(typeName, value);
    case DataType.StatusCode:
      return hasNumericValue(value) ? ok(value.value >>> 0) : unexpected(typeName, value);
    default:
      return { ok: false, cause: 'wrong-type', reason: `values of type ${typeName} are not supported` };
  }
}

/**
 * node-opcua hands 64-bit integers over as `[high, low]` pairs of 32-bit words (older code may hold a number
 * or a bigint); a JavaScript number would lose everything above 2^53.
 */
export function int64Of(
  value: unknown,
  signed: boolean,
  typeName = signed ? 'Int64' : 'UInt64',
): ValueConversion {
  let raw: bigint;
  if (typeof value === 'bigint') {
    raw = value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
    raw = BigInt(value);
  } else if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'number' &&
    typeof value[1] === 'number' &&
    Number.isInteger(value[0]) &&
    Number.isInteger(value[1])
  ) {
    raw = (BigInt(value[0] >>> 0) << 32n) | BigInt(value[1] >>> 0);
  } else {
    return unexpected(typeName, value);
  }
  return ok(signed ? BigInt.asIntN(64, raw) : BigInt.asUintN(64, raw));
}

function numberArrayOf(value: unknown, typeName: string): ValueConversion {
  if (value === null) return ok([]);
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return unexpected(`${typeName}[]`, value);
  const numbers = Array.from(value as ArrayLike<unknown>);
  if (!numbers.every((item): item is number => typeof item === 'number'))
    return unexpected(`${typeName}[]`, value);
  return ok(numbers);
}

function localizedTextOf(value: unknown, typeName: string): ValueConversion {
  if (value === null || typeof value !== 'object') return unexpected(typeName, value);
  const text: unknown = (value as { text?: unknown }).text;
  if (text === null || text === undefined) return ok('');
  return typeof text === 'string' ? ok(text) : unexpected(typeName, value);
}

function hasNumericValue(value: unknown): value is { value: number } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number'
  );
}

function ok(value: SampleValue): ValueConversion {
  return { ok: true, value };
}

function unexpected(typeName: string, value: unknown): ValueConversion {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return { ok: false, cause: 'wrong-type', reason: `a ${typeName} Variant holding ${got}` };
}

/** The DataValue in OPC UA binary encoding, for the dead-letter record. */
export function encodeDataValue(dataValue: DataValue): Uint8Array {
  try {
    const stream = new BinaryStream(dataValue.binaryStoreSize());
    dataValue.encode(stream);
    return new Uint8Array(stream.buffer.subarray(0, stream.length));
  } catch {
    return new Uint8Array(0);
  }
}
