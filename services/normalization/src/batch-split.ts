// A handled batch is cut into parts of at most `maxSamples` samples (docs/architecture.md section 3, "Delivery"):
// the bus hands up to maxBatchSize records, and with ingestion's batches of 500 samples each that is 250 000
// samples held, normalized, written and published at once, a long pause for the event loop and a burst of
// garbage. Each part is stored, published and checkpointed (normalizer state with the offset of its last record)
// in turn, as a batch of its own would be. Pure.
import type { DecodedBatch, DecodedRecord } from '@kiln/bus';

/**
 * The batch in offset order as parts of at most `maxSamples` samples, every record in exactly one part; a record
 * larger than that is a part alone. `handled(offset)`: a record handled before (skipped) counts no sample. A part
 * ends with the record of its last event, the last part with the last record (refused records between stay with
 * the part they follow, so each part's last record is the offset its checkpoint names).
 */
export function splitBySamples<T extends { readonly samples: readonly unknown[] }>(
  batch: DecodedBatch<T>,
  maxSamples: number,
  handled: (offset: string) => boolean,
): DecodedBatch<T>[] {
  const parts: DecodedBatch<T>[] = [];
  let events: DecodedRecord<T>[] = [];
  let samples = 0;
  let firstRecord = 0;
  let nextRecord = 0;
  for (const decoded of batch.events) {
    const size = handled(decoded.record.offset) ? 0 : decoded.event.samples.length;
    if (samples > 0 && samples + size > maxSamples) {
      parts.push({ ...batchOf(batch, firstRecord, nextRecord), events });
      firstRecord = nextRecord;
      events = [];
      samples = 0;
    }
    // The record of this event, and any refused ones before it.
    while (nextRecord < batch.records.length && batch.records[nextRecord]?.offset !== decoded.record.offset)
      nextRecord += 1;
    nextRecord += 1;
    events.push(decoded);
    samples += size;
  }
  if (parts.length === 0) return [batch];
  parts.push({ ...batchOf(batch, firstRecord, batch.records.length), events });
  return parts;
}

function batchOf<T>(batch: DecodedBatch<T>, from: number, to: number): Omit<DecodedBatch<T>, 'events'> {
  return { topic: batch.topic, partition: batch.partition, records: batch.records.slice(from, to) };
}
