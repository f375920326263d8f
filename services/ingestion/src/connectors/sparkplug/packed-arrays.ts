// Sparkplug 3.0 array datatypes (spec 6.4.16, "Array Types"): every one travels in `bytes_value`, little-endian.
// Numbers are packed back to back; BooleanArray is a uint32 count followed by the booleans bit-packed, the
// first in the most significant bit of the first byte (the spec's example: [F,F,T,T,F,T,F,F,T,T,F,T] ->
// 0C 00 00 00 34 DX); StringArray is NUL-terminated UTF-8 strings. Pure.
import { SparkplugDataType as T, shortestFloat32 } from './datatypes';

export type PackedArray =
  | { readonly ok: true; readonly kind: 'numbers'; readonly values: number[] }
  | { readonly ok: true; readonly kind: 'strings'; readonly values: string[] }
  | {
      readonly ok: false;
      readonly cause: 'wrong-type' | 'integer-beyond-safe-range';
      readonly error: string;
    };

type Reader = (view: DataView, offset: number) => number | bigint;

// element size in bytes and reader, per numeric array datatype
const NUMBER_READERS: Partial<Record<number, { size: number; read: Reader }>> = {
  [T.Int8Array]: { size: 1, read: (view, offset) => view.getInt8(offset) },
  [T.Int16Array]: { size: 2, read: (view, offset) => view.getInt16(offset, true) },
  [T.Int32Array]: { size: 4, read: (view, offset) => view.getInt32(offset, true) },
  [T.Int64Array]: { size: 8, read: (view, offset) => view.getBigInt64(offset, true) },
  [T.UInt8Array]: { size: 1, read: (view, offset) => view.getUint8(offset) },
  [T.UInt16Array]: { size: 2, read: (view, offset) => view.getUint16(offset, true) },
  [T.UInt32Array]: { size: 4, read: (view, offset) => view.getUint32(offset, true) },
  [T.UInt64Array]: { size: 8, read: (view, offset) => view.getBigUint64(offset, true) },
  [T.FloatArray]: { size: 4, read: (view, offset) => shortestFloat32(view.getFloat32(offset, true)) },
  [T.DoubleArray]: { size: 8, read: (view, offset) => view.getFloat64(offset, true) },
  [T.DateTimeArray]: { size: 8, read: (view, offset) => view.getBigInt64(offset, true) },
};

export function isPackedArray(datatype: number): boolean {
  return datatype === T.BooleanArray || datatype === T.StringArray || NUMBER_READERS[datatype] !== undefined;
}

/** Unpacks `bytes` as the array datatype says; `name` is the datatype's name for errors. */
export function unpackArray(datatype: number, name: string, bytes: Uint8Array): PackedArray {
  if (datatype === T.BooleanArray) return unpackBooleans(bytes);
  if (datatype === T.StringArray) return unpackStrings(bytes);
  const reader = NUMBER_READERS[datatype];
  if (reader === undefined)
    return { ok: false, cause: 'wrong-type', error: `${name} is not an array datatype` };
  if (bytes.byteLength % reader.size !== 0) {
    return {
      ok: false,
      cause: 'wrong-type',
      error: `${name} of ${bytes.byteLength} bytes is not a whole number of ${reader.size}-byte elements`,
    };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += reader.size) {
    const read = reader.read(view, offset);
    if (typeof read === 'bigint') {
      // Kiln never rounds an integer: a 64-bit element past 2^53 would become the nearest double.
      if (read > BigInt(Number.MAX_SAFE_INTEGER) || read < BigInt(Number.MIN_SAFE_INTEGER)) {
        return {
          ok: false,
          cause: 'integer-beyond-safe-range',
          error: `${name} element [${offset / reader.size}] is ${read}, beyond ±(2^53-1), which Kiln keeps exact`,
        };
      }
      values.push(Number(read));
    } else {
      values.push(read);
    }
  }
  return { ok: true, kind: 'numbers', values };
}

function unpackBooleans(bytes: Uint8Array): PackedArray {
  if (bytes.byteLength < 4) {
    return {
      ok: false,
      cause: 'wrong-type',
      error: `BooleanArray of ${bytes.byteLength} bytes has no 4-byte count`,
    };
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const expected = 4 + Math.ceil(count / 8);
  if (bytes.byteLength !== expected) {
    return {
      ok: false,
      cause: 'wrong-type',
      error: `BooleanArray of ${count} booleans takes ${expected} bytes, not ${bytes.byteLength}`,
    };
  }
  const values: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const byte = bytes[4 + Math.floor(index / 8)] ?? 0;
    values.push((byte >> (7 - (index % 8))) & 1);
  }
  return { ok: true, kind: 'numbers', values };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function unpackStrings(bytes: Uint8Array): PackedArray {
  if (bytes.byteLength === 0) return { ok: true, kind: 'strings', values: [] };
  if (bytes[bytes.byteLength - 1] !== 0) {
    return {
      ok: false,
      cause: 'wrong-type',
      error: `StringArray of ${bytes.byteLength} bytes does not end with a NUL terminator`,
    };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes.subarray(0, bytes.byteLength - 1));
  } catch {
    return { ok: false, cause: 'wrong-type', error: `StringArray of ${bytes.byteLength} bytes is not UTF-8` };
  }
  return { ok: true, kind: 'strings', values: text.split('\u0000') };
}
