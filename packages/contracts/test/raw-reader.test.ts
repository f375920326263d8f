// readRawSampleBatch, the hand-written reader of kiln.raw.v1, reads what the generated decoder (the reference,
// from the .proto) reads, field for field, or declines (undefined) and leaves the record to it: never a different
// answer, and never a decline for what producers write.
import fc from 'fast-check';
import {
  decodeEvent,
  encodeEvent,
  eventTopics,
  headerNames,
  protobufContentType,
  readRawSampleBatch,
} from '../src';
import type { RawSample, RawSampleBatch, Value } from '../src';

const reference = (bytes: Uint8Array): RawSampleBatch => eventTopics.raw.codec.decode(bytes);

/** What the reference reads, or the error it throws. */
function referenceOf(bytes: Uint8Array): { batch: RawSampleBatch } | { error: unknown } {
  try {
    return { batch: reference(bytes) };
  } catch (error) {
    return { error };
  }
}

const int64 = fc.oneof(
  fc.integer({ min: 0, max: 2_000_000_000_000_000 }),
  fc.constantFrom(0, 1, 127, 128, 2 ** 49, 2 ** 53 - 1, Number.MAX_SAFE_INTEGER),
);
const anyInt64 = fc.oneof(int64, fc.constantFrom(-1, -(2 ** 53) + 1, 2 ** 53, 2 ** 60, 2 ** 63 - 1024));
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'press-04/temp', 'ä€𝄞', 'a\u0000b'));
const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant<Value>({ kind: undefined }),
  fc.double().map((v): Value => ({ kind: { $case: 'numberValue', value: v } })),
  fc
    .oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.constantFrom(-(2 ** 53) + 1, 2 ** 53 - 1, -(2 ** 31), 2 ** 32, -(2 ** 32) - 1),
    )
    .map((v): Value => ({ kind: { $case: 'intValue', value: v } })),
  fc.boolean().map((v): Value => ({ kind: { $case: 'boolValue', value: v } })),
  text.map((v): Value => ({ kind: { $case: 'stringValue', value: v } })),
  fc
    .array(fc.double(), { maxLength: 4 })
    .map((values): Value => ({ kind: { $case: 'arrayValue', value: { values } } })),
);
const sample = (time: fc.Arbitrary<number>): fc.Arbitrary<RawSample> =>
  fc.record({
    tag: text,
    value: fc.option(value, { nil: undefined }),
    quality: fc.integer({ min: 0, max: 3 }),
    statusCode: fc.nat(),
    sourceTimeUs: time,
    receiveTimeUs: time,
    historical: fc.option(fc.boolean(), { nil: undefined }),
  });
const batch = (time: fc.Arbitrary<number>): fc.Arbitrary<RawSampleBatch> =>
  fc.record({ sourceId: text, connector: text, samples: fc.array(sample(time), { maxLength: 6 }) });

const encoded = (message: RawSampleBatch): Uint8Array => encodeEvent(eventTopics.raw, message).value;

describe('readRawSampleBatch', () => {
  it('reads every batch a producer writes (times 1970..2255) exactly as the generated decoder does', () => {
    fc.assert(
      fc.property(batch(int64), (message) => {
        const bytes = encoded(message);
        expect(readRawSampleBatch(bytes)).toStrictEqual(reference(bytes));
      }),
      { numRuns: 3_000 },
    );
  });

  it('declines, never differs, where times lie outside a double or are negative', () => {
    fc.assert(
      fc.property(batch(anyInt64), (message) => {
        const bytes = encoded(message);
        const read = readRawSampleBatch(bytes);
        const expected = referenceOf(bytes);
        if (read !== undefined) expect({ batch: read }).toStrictEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('declines, never differs, on bytes changed, cut or appended and on random bytes', () => {
    const mutated = fc
      .tuple(
        batch(int64),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('set', 'cut', 'append'),
      )
      .map(([message, at, byte, how]) => {
        const bytes = encoded(message);
        if (how === 'append') return Uint8Array.from([...bytes, byte, at & 0xff]);
        if (bytes.length === 0) return bytes;
        const index = at % bytes.length;
        if (how === 'cut') return bytes.subarray(0, index);
        const copy = Uint8Array.from(bytes);
        copy[index] = byte;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        const read = readRawSampleBatch(bytes);
        if (read !== undefined) expect({ batch: read }).toStrictEqual(referenceOf(bytes));
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves a record whose content type names another message to decodeEvent, which refuses it', () => {
    const bytes = encoded({ sourceId: 's', connector: 'c', samples: [] });
    const headers = { [headerNames.contentType]: protobufContentType('kiln.events.v1.TelemetryBatch') };
    expect(readRawSampleBatch(bytes, headers)).toBeUndefined();
    expect(() => decodeEvent(eventTopics.raw, bytes, headers)).toThrow(/expected one naming/);
    const own = { [headerNames.contentType]: protobufContentType('kiln.events.v1.RawSampleBatch') };
    expect(readRawSampleBatch(bytes, own)).toStrictEqual(reference(bytes));
  });
});
