// kiln.raw.v1 decoded and checked against what the historian stores: a batch with a text PostgreSQL refuses
// (U+0000) or a time outside 1970..2255 goes to the dead-letter topic whole, unchanged, with the field named;
// ingestion refuses such samples one by one at its edge, so only a foreign producer's batch gets here. The
// subscription's decoder (docs/events.md, "Subscribing").
// Read by @kiln/contracts' readRawSampleBatch, which yields to the generated decoder (decodeEvent) for anything
// unusual. The checks run per sample on the hot path, so they build no text (no field path, no message) until one
// fails; then the contracts' own checks run again to name the field in the same words.
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  decodeEvent,
  eventTopics,
  readRawSampleBatch,
  textProblem,
  timeProblem,
  type RawSampleBatch,
} from '@kiln/contracts';

export function decodeRawBatch(record: BusRecord): RawSampleBatch {
  // The hand-written reader reads int64 times as numbers; what it declines, the generated decoder reads or refuses.
  const batch =
    readRawSampleBatch(record.value, record.headers) ??
    decodeEvent(eventTopics.raw, record.value, record.headers);
  const what = `raw batch of source "${batch.sourceId}"`;
  if (holdsBadText(batch)) checkEventTexts(what, batch);
  const samples = batch.samples;
  for (let i = 0; i < samples.length; i += 1) {
    const sample = samples[i];
    if (sample === undefined) continue;
    if (timeProblem(sample.receiveTimeUs) !== undefined)
      checkEventTime(`${what}: samples[${i}].receiveTimeUs`, sample.receiveTimeUs);
    // 0: the source sent no time.
    if (sample.sourceTimeUs !== 0 && timeProblem(sample.sourceTimeUs) !== undefined)
      checkEventTime(`${what}: samples[${i}].sourceTimeUs`, sample.sourceTimeUs, { zeroIsUnset: true });
  }
  return batch;
}

/** Whether any text of a decoded message, at any depth, is one `textProblem` refuses (the walk of checkEventTexts). */
function holdsBadText(value: unknown): boolean {
  if (typeof value === 'string') return textProblem(value) !== undefined;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (holdsBadText(item)) return true;
    return false;
  }
  const fields = value as Record<string, unknown>;
  for (const key in fields) if (Object.hasOwn(fields, key) && holdsBadText(fields[key])) return true;
  return false;
}
