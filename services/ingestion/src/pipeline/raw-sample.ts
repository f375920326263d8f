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
 * A 64-bit integer travels as int64 (the generated code reads it as a JavaScript number): the pipeline's sample
 * check (sample-check.ts) has refused any beyond ±(2^53 - 1) before a sample gets here, so the number is exact.
 */
export function toValue(value: SampleValue): Value {
  if (typeof value === 'number') return { kind: { $case: 'numberValue', value } };
  if (typeof value === 'bigint') return { kind: { $case: 'intValue', value: Number(value) } };
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
