// What a sample must be before a connector hands it on: a tag and text value PostgreSQL and Kafka take (no NUL or
// other control characters, not longer than MAX_TEXT_LENGTH) and a source time that fits int64 µs and the
// database (1970 through 9999). A connector refuses a sample that is not, naming the field, instead of letting it
// fail later in the batcher, the bus or a consumer. Non-finite numbers pass: a sensor may report NaN, it is kept
// in kiln.raw.v1 and normalization refuses it with its reason.
import { textProblem, timeProblem } from '@kiln/contracts';
import type { Sample, SampleValue } from './types';

export interface SampleProblem {
  /** `tag`, `value` or `sourceTime`. */
  readonly field: 'tag' | 'value' | 'sourceTime';
  /** The field and what is wrong with it, e.g. `sourceTime is 1e+22 us, not a time between 1970 and 9999`. */
  readonly message: string;
}

export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'tag is empty';
  const problem = textProblem(tag);
  return problem === undefined ? undefined : `tag "${clip(tag)}" ${problem}`;
}

export function valueProblem(value: SampleValue): string | undefined {
  if (typeof value !== 'string') return undefined;
  const problem = textProblem(value);
  return problem === undefined ? undefined : `text value ${problem}`;
}

export function sourceTimeProblem(sourceTimeUs: number): string | undefined {
  const problem = timeProblem(sourceTimeUs);
  return problem === undefined ? undefined : `source time ${problem}`;
}

/** The first problem of a sample, or undefined when the pipeline can take it. */
export function sampleProblem(sample: Sample): SampleProblem | undefined {
  const tag = tagProblem(sample.tag);
  if (tag !== undefined) return { field: 'tag', message: tag };
  const value = valueProblem(sample.value);
  if (value !== undefined) return { field: 'value', message: value };
  if (sample.sourceTimeUs !== undefined) {
    const time = sourceTimeProblem(sample.sourceTimeUs);
    if (time !== undefined) return { field: 'sourceTime', message: time };
  }
  return undefined;
}

/** A text short enough for a log line and a DLQ header, control characters shown as escapes. */
export function clip(text: string, maxLength = 60): string {
  const shown = text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
  return JSON.stringify(shown).slice(1, -1);
}
