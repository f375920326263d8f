// decodeRawBatch checks every sample's texts and times without building a field path per sample; what it refuses
// and the words it refuses with are those of the contracts' checks run over the whole message.
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  encodeEvent,
  eventTopics,
  Quality,
  RuleError,
  type RawSample,
  type RawSampleBatch,
} from '@kiln/contracts';
import fc from 'fast-check';
import { decodeRawBatch } from '../src/raw-decode';

function busRecord(batch: RawSampleBatch): BusRecord {
  const encoded = encodeEvent(eventTopics.raw, batch);
  return {
    topic: 'kiln.raw.v1',
    partition: 0,
    offset: '0',
    key: encoded.key,
    value: encoded.value,
    headers: encoded.headers,
    timestamp: 0,
  };
}

/** The checks as they ran before: the generic walk and a field name per sample. */
function refusalBefore(batch: RawSampleBatch): string | undefined {
  try {
    const what = `raw batch of source "${batch.sourceId}"`;
    checkEventTexts(what, batch);
    batch.samples.forEach((sample, i) => {
      checkEventTime(`${what}: samples[${i}].receiveTimeUs`, sample.receiveTimeUs);
      checkEventTime(`${what}: samples[${i}].sourceTimeUs`, sample.sourceTimeUs, { zeroIsUnset: true });
    });
    return undefined;
  } catch (error) {
    if (error instanceof RuleError) return error.message;
    throw error;
  }
}

function refusalNow(record: BusRecord): string | undefined {
  try {
    decodeRawBatch(record);
    return undefined;
  } catch (error) {
    if (error instanceof RuleError) return error.message;
    throw error;
  }
}

const text = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('press-04/temp', 'line-2', '') },
  { weight: 1, arbitrary: fc.constantFrom('bad\u0000tag', '\ud800', 'esc\u001b') },
);
const time = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 2_000_000_000_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, -5_000_000) },
);
const sample: fc.Arbitrary<RawSample> = fc.record({
  tag: text,
  value: fc.oneof(
    fc.constant(undefined),
    fc.double().map((value) => ({ kind: { $case: 'numberValue' as const, value } })),
    text.map((value) => ({ kind: { $case: 'stringValue' as const, value } })),
  ),
  quality: fc.constant(Quality.QUALITY_GOOD),
  statusCode: fc.constant(0),
  sourceTimeUs: time,
  receiveTimeUs: time,
  historical: fc.boolean(),
});
const batch: fc.Arbitrary<RawSampleBatch> = fc.record({
  sourceId: text,
  connector: text,
  samples: fc.array(sample, { maxLength: 8 }),
});

describe('decodeRawBatch', () => {
  it('refuses exactly the batches the whole-message checks refuse, in the same words', () => {
    fc.assert(
      fc.property(batch, (raw) => {
        const record = busRecord(raw);
        expect(refusalNow(record)).toBe(refusalBefore(roundTrip(record)));
      }),
      { numRuns: 3_000 },
    );
  });

  it('names the sample and field of a bad time', () => {
    const good: RawSample = {
      value: undefined,
      tag: 't',
      quality: Quality.QUALITY_GOOD,
      statusCode: 0,
      sourceTimeUs: 0,
      receiveTimeUs: 1,
    };
    const record = busRecord({
      sourceId: 's',
      connector: 'c',
      samples: [good, { ...good, sourceTimeUs: -3 }],
    });
    expect(refusalNow(record)).toBe(
      'raw batch of source "s": samples[1].sourceTimeUs is -3 us, not a time between 1970 and 2255',
    );
  });
});

/** The batch as the generated decoder reads it back (protobuf drops what equals the defaults). */
function roundTrip(record: BusRecord): RawSampleBatch {
  return eventTopics.raw.codec.decode(record.value);
}
