// Splits a publish into produce requests that stay under the broker's request size, and refuses a record
// that no request could carry (docs/architecture.md section 2: a message never exceeds 1 MiB).
import { PermanentError } from '@kiln/contracts';
import type { OutgoingRecord } from '../types';

/** Rough wire size of a record: value, key, headers and the per-record overhead. */
export function recordBytes(record: OutgoingRecord): number {
  let bytes = record.value.byteLength + Buffer.byteLength(record.key) + 64;
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  }
  return bytes;
}

export function chunkBySize(
  topic: string,
  records: readonly OutgoingRecord[],
  maxBytes: number,
): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (size > maxBytes) {
      // The same record is refused every time: a failure of the record, dead-lettered or passed by its sender.
      throw new PermanentError(
        `record for ${topic} with key '${record.key}' is ${size} bytes, over the ${maxBytes}-byte limit: ` +
          'split the batch into smaller messages',
      );
    }
    if (currentBytes + size > maxBytes && current.length > 0) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
