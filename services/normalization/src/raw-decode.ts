// kiln.raw.v1 decoded and checked against what the historian stores: a batch with a text PostgreSQL refuses
// (U+0000) or a time outside 1970..2255 goes to the dead-letter topic whole, unchanged, with the field named;
// ingestion refuses such samples one by one at its edge, so only a foreign producer's batch gets here.
import { RuleError, type BusRecord } from '@kiln/bus';
import {
  decodeEvent,
  eventTopics,
  firstTextProblem,
  timeProblem,
  type RawSampleBatch,
} from '@kiln/contracts';

export function decodeRawBatch(record: BusRecord): RawSampleBatch {
  const batch = decodeEvent(eventTopics.raw, record.value, record.headers);
  const what = `raw batch of source "${batch.sourceId}"`;
  const badText = firstTextProblem(batch);
  if (badText !== undefined) throw new RuleError(`${what}: ${badText.field} ${badText.problem}`);
  batch.samples.forEach((sample, i) => {
    const badReceive = timeProblem(sample.receiveTimeUs);
    if (badReceive !== undefined) throw new RuleError(`${what}: samples[${i}].receiveTimeUs ${badReceive}`);
    // 0: the source sent no time.
    const badSource = sample.sourceTimeUs === 0 ? undefined : timeProblem(sample.sourceTimeUs);
    if (badSource !== undefined) throw new RuleError(`${what}: samples[${i}].sourceTimeUs ${badSource}`);
  });
  return batch;
}
