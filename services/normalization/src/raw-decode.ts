// kiln.raw.v1 decoded and checked against what the historian stores: a batch with a text PostgreSQL refuses
// (U+0000) or a time outside 1970..2255 goes to the dead-letter topic whole, unchanged, with the field named;
// ingestion refuses such samples one by one at its edge, so only a foreign producer's batch gets here. The
// subscription's decoder (docs/events.md, "Subscribing").
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  decodeEvent,
  eventTopics,
  type RawSampleBatch,
} from '@kiln/contracts';

export function decodeRawBatch(record: BusRecord): RawSampleBatch {
  const batch = decodeEvent(eventTopics.raw, record.value, record.headers);
  const what = `raw batch of source "${batch.sourceId}"`;
  checkEventTexts(what, batch);
  batch.samples.forEach((sample, i) => {
    checkEventTime(`${what}: samples[${i}].receiveTimeUs`, sample.receiveTimeUs);
    // 0: the source sent no time.
    checkEventTime(`${what}: samples[${i}].sourceTimeUs`, sample.sourceTimeUs, { zeroIsUnset: true });
  });
  return batch;
}
