// The on-disk frame of one buffered entry: length and CRC-32 first, so a torn write at a crash is found and cut
// off at recovery instead of being sent as garbage.
//   u32 payload length | u32 crc32(payload) | payload
//   payload = f64 id | u32 samples | u16 meta length | meta (utf-8 JSON: topic, key, headers, appended at) | value
// Frames written before the append time was kept have three meta items; they are read as appended at recovery.
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 8 + 4 + 2;

export interface Entry {
  /** Position in the buffer: increases by one per entry, never reused. */
  readonly id: number;
  /** The topic the entry goes to (kiln.raw.v1, or kiln.dlq.v1 for rejected input). */
  readonly topic: string;
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Uint8Array;
  /** Samples inside the value, for the counts that metrics and drop reports give. */
  readonly samples: number;
  /** When the entry was appended (epoch ms): how long it waits is what readiness watches. */
  readonly appendedAtMs?: number;
}

export function encodeFrame(entry: Entry): Buffer {
  const key = Buffer.from(
    JSON.stringify([entry.topic, entry.key, entry.headers, entry.appendedAtMs ?? Date.now()]),
    'utf8',
  );
  if (key.length > 0xffff) throw new Error(`entry metadata of ${key.length} bytes is too long`);
  const payloadLength = PAYLOAD_FIXED_BYTES + key.length + entry.value.byteLength;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadLength);
  frame.writeUInt32BE(payloadLength, 0);
  let at = FRAME_HEADER_BYTES;
  frame.writeDoubleBE(entry.id, at);
  frame.writeUInt32BE(entry.samples, (at += 8));
  frame.writeUInt16BE(key.length, (at += 4));
  key.copy(frame, (at += 2));
  frame.set(entry.value, at + key.length);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

export type FrameResult =
  | { kind: 'entry'; entry: Entry; bytes: number }
  /** Not enough bytes for a whole frame: read more, or at the end of a file, a torn write. */
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/** Decodes the frame at `offset`; the entry's value is a copy, independent of `data`. */
export function decodeFrame(data: Buffer, offset: number): FrameResult {
  if (data.length - offset < FRAME_HEADER_BYTES) return { kind: 'incomplete' };
  const payloadLength = data.readUInt32BE(offset);
  if (payloadLength < PAYLOAD_FIXED_BYTES)
    return { kind: 'corrupt', reason: `frame length ${payloadLength}` };
  const end = offset + FRAME_HEADER_BYTES + payloadLength;
  if (end > data.length) return { kind: 'incomplete' };
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== data.readUInt32BE(offset + 4))
    return { kind: 'corrupt', reason: 'checksum mismatch' };
  const id = payload.readDoubleBE(0);
  const samples = payload.readUInt32BE(8);
  const keyLength = payload.readUInt16BE(12);
  if (PAYLOAD_FIXED_BYTES + keyLength > payloadLength)
    return { kind: 'corrupt', reason: 'key overruns frame' };
  const meta = parseMeta(payload.toString('utf8', PAYLOAD_FIXED_BYTES, PAYLOAD_FIXED_BYTES + keyLength));
  if (meta === undefined) return { kind: 'corrupt', reason: 'unreadable entry metadata' };
  const value = Uint8Array.prototype.slice.call(payload, PAYLOAD_FIXED_BYTES + keyLength);
  return {
    kind: 'entry',
    entry: {
      id,
      topic: meta.topic,
      key: meta.key,
      headers: meta.headers,
      value,
      samples,
      ...(meta.appendedAtMs === undefined ? {} : { appendedAtMs: meta.appendedAtMs }),
    },
    bytes: FRAME_HEADER_BYTES + payloadLength,
  };
}

/**
 * The offset of the first whole, checksummed frame after `from` whose id is above `afterId`, and that frame; undefined
 * when none follows. How a reader finds its way past a corrupt frame: the next frame that checks out.
 */
export function findNextFrame(
  data: Buffer,
  from: number,
  afterId: number,
): { offset: number; entry: Entry; bytes: number } | undefined {
  for (let offset = from; data.length - offset >= FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES; offset += 1) {
    const payloadLength = data.readUInt32BE(offset);
    if (payloadLength < PAYLOAD_FIXED_BYTES || offset + FRAME_HEADER_BYTES + payloadLength > data.length)
      continue;
    // The id first: far cheaper than a checksum over a payload that is garbage.
    const id = data.readDoubleBE(offset + FRAME_HEADER_BYTES);
    if (!Number.isSafeInteger(id) || id <= afterId) continue;
    const result = decodeFrame(data, offset);
    if (result.kind === 'entry') return { offset, entry: result.entry, bytes: result.bytes };
  }
  return undefined;
}

function parseMeta(
  text: string,
): { topic: string; key: string; headers: Record<string, string>; appendedAtMs?: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || parsed.length < 3 || parsed.length > 4) return undefined;
    const [topic, key, headers, appendedAtMs] = parsed as unknown[];
    if (
      typeof topic !== 'string' ||
      typeof key !== 'string' ||
      typeof headers !== 'object' ||
      headers === null
    ) {
      return undefined;
    }
    return {
      topic,
      key,
      headers: headers as Record<string, string>,
      ...(typeof appendedAtMs === 'number' ? { appendedAtMs } : {}),
    };
  } catch {
    return undefined;
  }
}
