// Small kiln.raw.v1 entries of one key joined into one record on their way to the bus. A connector that must
// acknowledge its source once the samples are durable (MQTT QoS 1) writes what one turn of the event loop brought,
// spread over its keys: entries of a few samples each. Sent one record each, they cost the broker and every
// consumer per record. Protobuf merges concatenated messages (repeated fields append, singular fields keep the
// last), so entries of one key, source and connector become one RawSampleBatch by joining their bytes: the first
// whole, the others without their leading source_id and connector fields. Per-key order holds: entries join
// only into the record of their key, in buffer order, and a record closes when the next would cross a bound.
// Pure: no I/O.
import type { Entry } from '../buffer/framing';

export interface CoalesceBounds {
  /** Samples per joined record at most (ingestion.batching.maxSamples). */
  readonly maxSamples: number;
  /** Value bytes per joined record at most. */
  readonly maxValueBytes: number;
}

/** One record to send and the buffer entries it carries, in order. */
export interface Coalesced {
  readonly entries: readonly Entry[];
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Uint8Array;
}

const SAMPLES_FIELD = 3;

/**
 * Joins entries (all of one topic whose values are RawSampleBatch) by key; the records come in the order of
 * their first entry. An entry that cannot be joined (unexpected fields before its samples, other headers, over a
 * bound) starts a record of its own.
 */
export function coalesceRawEntries(entries: readonly Entry[], bounds: CoalesceBounds): Coalesced[] {
  const records: OpenRecord[] = [];
  const open = new Map<string, OpenRecord>();
  for (const entry of entries) {
    const prefixBytes = leadingPrefixBytes(entry.value);
    const current = open.get(entry.key);
    if (
      current !== undefined &&
      prefixBytes !== undefined &&
      current.samples + entry.samples <= bounds.maxSamples &&
      current.bytes + entry.value.byteLength - prefixBytes <= bounds.maxValueBytes &&
      sameHeaders(current.first.headers, entry.headers) &&
      samePrefix(current.prefix, entry.value, prefixBytes)
    ) {
      current.entries.push(entry);
      current.parts.push(entry.value.subarray(prefixBytes));
      current.samples += entry.samples;
      current.bytes += entry.value.byteLength - prefixBytes;
      continue;
    }
    // An entry that takes no followers still takes its key's place: later entries of the key start anew.
    const record: OpenRecord = {
      first: entry,
      entries: [entry],
      parts: [entry.value],
      prefix: prefixBytes === undefined ? undefined : entry.value.subarray(0, prefixBytes),
      samples: entry.samples,
      bytes: entry.value.byteLength,
    };
    records.push(record);
    open.set(entry.key, record);
  }
  return records.map((record) => ({
    entries: record.entries,
    key: record.first.key,
    headers: record.first.headers,
    value: record.parts.length === 1 ? record.first.value : Buffer.concat(record.parts),
  }));
}

interface OpenRecord {
  readonly first: Entry;
  readonly entries: Entry[];
  readonly parts: Uint8Array[];
  /** The source_id and connector fields; undefined: the entry takes no followers. */
  readonly prefix: Uint8Array | undefined;
  samples: number;
  bytes: number;
}

/**
 * Bytes before the first samples field when everything before it is a length-delimited field 1 or 2 (source_id,
 * connector); undefined when the value holds anything else there or is cut short.
 */
export function leadingPrefixBytes(value: Uint8Array): number | undefined {
  let at = 0;
  while (at < value.length) {
    const tag = value[at];
    if (tag === undefined) return undefined;
    const field = tag >>> 3;
    if (field === SAMPLES_FIELD && (tag & 7) === 2) return at;
    if ((field !== 1 && field !== 2) || (tag & 7) !== 2) return undefined;
    const length = readVarint(value, at + 1);
    if (length === undefined) return undefined;
    at = length.next + length.value;
    if (at > value.length) return undefined;
  }
  // No samples at all: joining it adds nothing, but it is a whole message.
  return at;
}

function readVarint(bytes: Uint8Array, from: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let at = from; at < bytes.length && shift < 35; at += 1) {
    const byte = bytes[at] ?? 0;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    shift += 7;
  }
  return undefined;
}

function samePrefix(prefix: Uint8Array | undefined, value: Uint8Array, prefixBytes: number): boolean {
  if (prefix === undefined || prefix.length !== prefixBytes) return false;
  for (let index = 0; index < prefixBytes; index += 1) if (prefix[index] !== value[index]) return false;
  return true;
}

function sameHeaders(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>>,
): boolean {
  if (a === undefined) return false;
  if (a === b) return true;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => a[name] === b[name]);
}
