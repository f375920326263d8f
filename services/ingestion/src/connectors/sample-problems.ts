// A connector checks each sample it makes with the pipeline's own rules (pipeline/sample-check.ts), so that it can
// refuse a bad one in its protocol's terms (the Sparkplug message and metric, the MQTT topic) and keep going with
// the rest: a Sparkplug metric refused here does not become the "last value" a death marks stale. One difference:
// the plausible-time window is the pipeline's, configured there; here a source time only has to be a time at all.
import { MAX_TEXT_LENGTH } from '@kiln/contracts';
import { clip, sampleProblem as checkSample, type SampleProblem } from '../pipeline/sample-check';
import type { Sample } from './types';

export { clip, type SampleProblem };

const ANY_TIME = {
  window: { pastUs: Number.POSITIVE_INFINITY, futureUs: Number.POSITIVE_INFINITY },
  maxTextLength: MAX_TEXT_LENGTH,
};

/** The reject cause a connector reports for each field (a DLQ header and metric label). */
export const CAUSE_OF_FIELD = {
  sourceId: 'bad-source',
  tag: 'bad-tag',
  value: 'wrong-type',
  sourceTimeUs: 'bad-timestamp',
  receiveTimeUs: 'bad-timestamp',
} as const;

/** The first problem of a sample (tag, text, finite numbers, times), or undefined when the pipeline takes it. */
export function sampleProblem(sample: Sample): SampleProblem | undefined {
  return checkSample(sample, sample.receiveTimeUs, ANY_TIME);
}
