// Regressions found by fuzzing decodeEvent (test/event-decode.fuzz.test.ts): a refused record names where it is
// wrong (byte and top-level field), so an operator reading the dead letter knows what the producer got wrong.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { decodeEvent, eventTopics } from '../src';

describe('decodeEvent refusals', () => {
  it('names the field holding an int64 that does not fit a JavaScript number', () => {
    // RawSampleBatch: source_id (1) = "plc", then samples (3) with source_time_us (5) = 2^63-1
    const sample = new BinaryWriter()
      .uint32((5 << 3) | 0)
      .int64('9223372036854775807')
      .finish();
    const bytes = new BinaryWriter()
      .uint32((1 << 3) | 2)
      .string('plc')
      .uint32((3 << 3) | 2)
      .bytes(sample)
      .finish();
    expect(() => decodeEvent(eventTopics.raw, bytes)).toThrow(
      'cannot decode a record of kiln.raw.v1 as kiln.events.v1.RawSampleBatch: at byte 5 (field 3): ' +
        'Value is larger than Number.MAX_SAFE_INTEGER',
    );
  });

  it('names the byte of an illegal tag and of a field running past the end', () => {
    expect(() => decodeEvent(eventTopics.raw, Uint8Array.from([0x0a, 0x01, 0x61, 0x00]))).toThrow(
      /: at byte 3 \(a field tag\): illegal tag: field no 0 wire type 0$/,
    );
    expect(() => decodeEvent(eventTopics.raw, Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(
      /: at byte 0 \(field 1\): premature EOF$/,
    );
  });
});
