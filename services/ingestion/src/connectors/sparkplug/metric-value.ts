// Sparkplug B metric values to sample values, by the metric's datatype (Sparkplug 3.0, 6.4.16). What each
// datatype becomes is the table in docs/ingestion.md (Sparkplug section):
// - basic types: numbers, bigint for Int64/UInt64 (exact up to ±(2^53-1), beyond refused), booleans, texts
//   (scalar-value.ts);
// - arrays of numbers, DateTimeArray (epoch ms) and BooleanArray (0/1): arrays of numbers, the raw contract's
//   waveform; StringArray: a JSON text `["a","b"]` (packed-arrays.ts);
// - Bytes and File: the bytes as base64 text; DataSet: one JSON text (dataset-value.ts);
// - Template: read member by member by the host state (template-members.ts), never here;
// - PropertySet, PropertySetList: property value types only (spec 6.4.16), refused as a metric's datatype.
// A text longer than the sample rules' maxTextLength is refused as `value-too-large`: it is the raw
// contract's limit for any text, and the bytes behind a base64 text are 3/4 of it.
import { MAX_TEXT_LENGTH } from '@kiln/contracts';
import { SparkplugDataType as T, dataTypeName } from './datatypes';
import { dataSetText } from './dataset-value';
import { isPackedArray, unpackArray } from './packed-arrays';
import type { MetricWireValue } from './payload-codec';
import { isBasicDataType, readScalar, type MetricValueResult } from './scalar-value';

export { SparkplugDataType, dataTypeName } from './datatypes';
export type { MetricValueResult, ValueProblemCause } from './scalar-value';

export interface ValueLimits {
  /** Longest text value (base64 of Bytes/File, JSON of StringArray/DataSet), in characters. */
  readonly maxTextLength: number;
}

export const DEFAULT_VALUE_LIMITS: ValueLimits = { maxTextLength: MAX_TEXT_LENGTH };

/** Reads a metric value as its datatype says; the error names the datatype and what is wrong. */
export function toSampleValue(
  datatype: number,
  wire: MetricWireValue,
  limits: ValueLimits = DEFAULT_VALUE_LIMITS,
): MetricValueResult {
  const name = dataTypeName(datatype);
  const mismatch = (): MetricValueResult => ({
    ok: false,
    cause: 'wrong-type',
    error: `${name} value came in the ${wire.field} field`,
  });
  if (isBasicDataType(datatype)) return readScalar(datatype, wire);
  if (isPackedArray(datatype)) {
    if (wire.field !== 'bytes') return mismatch();
    const unpacked = unpackArray(datatype, name, wire.value);
    if (!unpacked.ok) return unpacked;
    if (unpacked.kind === 'numbers') return { ok: true, value: unpacked.values };
    return boundedText(name, JSON.stringify(unpacked.values), limits);
  }
  switch (datatype) {
    case T.Bytes:
    case T.File:
      if (wire.field !== 'bytes') return mismatch();
      return boundedText(
        name,
        Buffer.from(wire.value.buffer, wire.value.byteOffset, wire.value.byteLength).toString('base64'),
        limits,
        wire.value.byteLength,
      );
    case T.DataSet: {
      if (wire.field !== 'dataset') return mismatch();
      const text = dataSetText(wire.value);
      return text.ok && typeof text.value === 'string' ? boundedText(name, text.value, limits) : text;
    }
    case T.Template:
      return {
        ok: false,
        cause: 'unsupported-datatype',
        error: 'Template values are read member by member, not as one value',
      };
    case T.PropertySet:
    case T.PropertySetList:
      return {
        ok: false,
        cause: 'unsupported-datatype',
        error: `${name} is a property value type (Sparkplug 3.0, 6.4.16), not a metric value Kiln reads`,
      };
    default:
      return { ok: false, cause: 'unsupported-datatype', error: `${name} is not a Sparkplug 3.0 datatype` };
  }
}

function boundedText(name: string, text: string, limits: ValueLimits, bytes?: number): MetricValueResult {
  if (text.length <= limits.maxTextLength) return { ok: true, value: text };
  const size =
    bytes === undefined ? '' : ` (${bytes} bytes; at most ${Math.floor((limits.maxTextLength * 3) / 4)})`;
  return {
    ok: false,
    cause: 'value-too-large',
    error: `${name} is ${text.length} characters as text${size}, at most ${limits.maxTextLength} (samples.maxTextLength)`,
  };
}
