// Connector samples to the kiln.raw.v1 contract (proto/kiln/events/v1/raw.proto).
import { Quality, type RawSample, type Value } from '@kiln/contracts';
import type { Sample, SampleQuality, SampleValue } from '../connectors/types';

const qualities: Record<SampleQuality, Quality> = {
  good: Quality.QUALITY_GOOD,
  uncertain: Quality.QUALITY_UNCERTAIN,
  bad: Quality.QUALITY_BAD,
};

export function toRawSample(sample: Sample): RawSample {
  return {
    tag: sample.tag,
    value: toValue(sample.value),
    quality: qualities[sample.quality],
    statusCode: sample.statusCode >>> 0,
    sourceTimeUs: sample.sourceTimeUs ?? 0,
    receiveTimeUs: sample.receiveTimeUs,
    ...(sample.historical === true ? { historical: true } : {}),
  };
}

/**
 * A 64-bit integer travels as int64; beyond 2^53 it loses precision in JavaScript numbers (the generated code
 * uses numbers), so such values are sent as numbers with the closest double instead, which is what every
 * consumer would get anyway.
 */
export function toValue(value: SampleValue): Value {
  if (typeof value === 'number') return { kind: { $case: 'numberValue', value } };
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value))
      ? { kind: { $case: 'intValue', value: Number(value) } }
      : { kind: { $case: 'numberValue', value: Number(value) } };
  }
  if (typeof value === 'boolean') return { kind: { $case: 'boolValue', value } };
  if (typeof value === 'string') return { kind: { $case: 'stringValue', value } };
  return { kind: { $case: 'arrayValue', value: { values: [...value] } } };
}

/** A rough upper bound of a sample's encoded size, to keep a message far below the 1 MiB limit. */
export function estimatedBytes(sample: Sample): number {
  const value = sample.value;
  const valueBytes =
    typeof value === 'string'
      ? Buffer.byteLength(value)
      : typeof value === 'object'
        ? value.length * 8 + 4
        : 10;
  return Buffer.byteLength(sample.tag) + valueBytes + 40;
}
