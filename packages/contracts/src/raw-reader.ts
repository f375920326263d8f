// kiln.raw.v1 read straight into a RawSampleBatch, the hot path's decoder. The generated one (ts-proto with
// forceLong=number over @bufbuild/protobuf) reads each int64 as a BigInt, prints it and parses the text back: two
// objects per time, two times per sample. This reader walks the same fields of proto/kiln/events/v1/raw.proto and
// common.proto the same way, with the same BinaryReader, but reads an int64 from its varint bytes as a number.
// It answers only for what producers write: a time beyond 2^53, a field of an unexpected wire type (group, tag 0),
// malformed bytes or a content type naming another message make it return undefined, and the generated decoder,
// the reference (raw-reader.test.ts compares the two), then reads the record or names its fault.
import { BinaryReader } from '@bufbuild/protobuf/wire';
import type { Value } from './gen/kiln/events/v1/common';
import type { RawSample, RawSampleBatch } from './gen/kiln/events/v1/raw';
import { headerNames, messageTypeOf } from './headers';
import { topics } from './topics';

/** A field this reader leaves to the generated decoder. */
class Unusual extends Error {}

export function readRawSampleBatch(
  bytes: Uint8Array,
  headers?: Readonly<Record<string, string>>,
): RawSampleBatch | undefined {
  const contentType = headers?.[headerNames.contentType];
  if (contentType !== undefined && messageTypeOf(contentType) !== topics.raw.messageType) {
    return undefined;
  }
  const reader = new BinaryReader(bytes);
  try {
    const batch: RawSampleBatch = { sourceId: '', connector: '', samples: [] };
    while (reader.pos < reader.len) {
      const tag = fieldTag(reader);
      if (tag === 10) batch.sourceId = reader.string();
      else if (tag === 18) batch.connector = reader.string();
      else if (tag === 26) batch.samples.push(readSample(reader, bytes, reader.uint32()));
      else reader.skip(tag & 7);
    }
    return batch;
  } catch {
    // Malformed bytes (a field past the end) and unusual fields alike: the reference decides, and names the fault.
    return undefined;
  }
}

function readSample(reader: BinaryReader, bytes: Uint8Array, length: number): RawSample {
  const end = reader.pos + length;
  const sample: RawSample = {
    tag: '',
    value: undefined,
    quality: 0,
    statusCode: 0,
    sourceTimeUs: 0,
    receiveTimeUs: 0,
    historical: undefined,
  };
  while (reader.pos < end) {
    const tag = fieldTag(reader);
    switch (tag) {
      case 10:
        sample.tag = reader.string();
        break;
      case 18:
        sample.value = readValue(reader, bytes, reader.uint32());
        break;
      case 24:
        sample.quality = reader.int32();
        break;
      case 32:
        sample.statusCode = reader.uint32();
        break;
      case 40:
        sample.sourceTimeUs = int64(reader, bytes);
        break;
      case 48:
        sample.receiveTimeUs = int64(reader, bytes);
        break;
      case 56:
        sample.historical = reader.bool();
        break;
      default:
        reader.skip(tag & 7);
    }
  }
  return sample;
}

function readValue(reader: BinaryReader, bytes: Uint8Array, length: number): Value {
  const end = reader.pos + length;
  const value: Value = { kind: undefined };
  while (reader.pos < end) {
    const tag = fieldTag(reader);
    switch (tag) {
      case 9:
        value.kind = { $case: 'numberValue', value: reader.double() };
        break;
      case 16:
        value.kind = { $case: 'intValue', value: int64(reader, bytes) };
        break;
      case 24:
        value.kind = { $case: 'boolValue', value: reader.bool() };
        break;
      case 34:
        value.kind = { $case: 'stringValue', value: reader.string() };
        break;
      case 42:
        value.kind = { $case: 'arrayValue', value: { values: readDoubles(reader, reader.uint32()) } };
        break;
      default:
        reader.skip(tag & 7);
    }
  }
  return value;
}

function readDoubles(reader: BinaryReader, length: number): number[] {
  const end = reader.pos + length;
  const values: number[] = [];
  while (reader.pos < end) {
    const tag = fieldTag(reader);
    if (tag === 9) values.push(reader.double());
    else if (tag === 10) {
      const packedEnd = reader.uint32() + reader.pos;
      while (reader.pos < packedEnd) values.push(reader.double());
    } else reader.skip(tag & 7);
  }
  return values;
}

/** The next tag; groups, tag 0 and wire types 6 and 7 are the reference's to judge. */
function fieldTag(reader: BinaryReader): number {
  const tag = reader.uint32();
  // Wire types: 0 varint, 1 i64, 2 length-delimited, 5 i32; 3 and 4 are groups, 6 and 7 do not exist.
  const wireType = tag & 7;
  if (tag >>> 3 === 0 || (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5))
    throw new Unusual();
  return tag;
}

/**
 * An int64 varint (two's complement in up to 10 bytes) as a number, read from `bytes` at the reader's position, in
 * 32-bit halves as protobuf does; one past a safe integer (where the generated code throws) is the reference's.
 */
function int64(reader: BinaryReader, bytes: Uint8Array): number {
  let pos = reader.pos;
  let lo = 0;
  let hi = 0;
  let byte = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    byte = byteAt(bytes, pos++);
    lo |= (byte & 0x7f) << shift;
    if (byte < 0x80) return safe(reader, pos, lo, hi);
  }
  byte = byteAt(bytes, pos++);
  lo |= (byte & 0x0f) << 28;
  hi = (byte & 0x7f) >> 4;
  if (byte < 0x80) return safe(reader, pos, lo, hi);
  for (let shift = 3; shift < 32; shift += 7) {
    byte = byteAt(bytes, pos++);
    // The tenth byte holds bit 63 only; anything more is malformed.
    if (shift === 31 && byte > 1) throw new Unusual();
    hi |= (byte & 0x7f) << shift;
    if (byte < 0x80) return safe(reader, pos, lo, hi);
  }
  throw new Unusual();
}

function byteAt(bytes: Uint8Array, pos: number): number {
  const byte = bytes[pos];
  if (byte === undefined) throw new Unusual();
  return byte;
}

function safe(reader: BinaryReader, pos: number, lo: number, hi: number): number {
  const value = hi < 0 ? -((~hi >>> 0) * 2 ** 32 + (~lo >>> 0) + 1) : hi * 2 ** 32 + (lo >>> 0);
  if (!Number.isSafeInteger(value)) throw new Unusual();
  reader.pos = pos;
  return value;
}
