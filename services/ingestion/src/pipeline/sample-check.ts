// The one check every sample passes before it is batched, whatever connector read it (MQTT JSON, Sparkplug,
// OPC UA, Modbus, HTTP): a source time within the plausible window around now (or none), a receive time that is
// a time, a tag and text value without NUL or other control characters and not too long, finite numbers. A
// sample that fails goes to kiln.dlq.v1 with the field named; the other samples of the same emit go on.
//
// Non-finite numbers (NaN, ±Infinity) are refused, not kept with bad quality: OPC UA doubles may carry them, but
// neither the historian's JSON nor OEE arithmetic can do anything right with them, and a dead letter keeps the
// reading visible and counted. Pure: the time is an argument.
import {
  DEFAULT_PLAUSIBLE_TIME_WINDOW,
  MAX_TEXT_LENGTH,
  plausibleTimeProblem,
  textProblem,
  timeProblem,
  type PlausibleTimeWindow,
} from '@kiln/contracts';
import type { Sample, SampleValue } from '../connectors/types';

export interface SampleRules {
  readonly window: PlausibleTimeWindow;
  readonly maxTextLength: number;
}

export const DEFAULT_SAMPLE_RULES: SampleRules = {
  window: DEFAULT_PLAUSIBLE_TIME_WINDOW,
  maxTextLength: MAX_TEXT_LENGTH,
};

/** The Sample field that is wrong: a metric label and the start of the DLQ reason. */
export type SampleField = 'sourceId' | 'tag' | 'value' | 'sourceTimeUs' | 'receiveTimeUs';

export interface SampleProblem {
  readonly field: SampleField;
  /** The field, the tag, and what is wrong: `sourceTimeUs of tag "t" is 1e+19 us, not a time between ...`. */
  readonly message: string;
  /** What is wrong, without the field: `is 1e+19 us, not a time between 1970 and 2255`. */
  readonly problem: string;
}

/** Longest source id: it becomes a Kafka key and a metric label. */
export const MAX_SOURCE_ID_LENGTH = 1024;

export function sourceIdProblem(sourceId: string): SampleProblem | undefined {
  const problem = sourceId === '' ? 'is empty' : textProblem(sourceId, MAX_SOURCE_ID_LENGTH);
  return problem === undefined
    ? undefined
    : { field: 'sourceId', message: `sourceId "${clip(sourceId)}" ${problem}`, problem };
}

/** The first problem of a sample, or undefined when the pipeline takes it. */
export function sampleProblem(sample: Sample, nowUs: number, rules: SampleRules): SampleProblem | undefined {
  if (sample.tag === '') return { field: 'tag', message: 'tag is empty', problem: 'is empty' };
  const tag = textProblem(sample.tag, rules.maxTextLength);
  if (tag !== undefined) return { field: 'tag', message: `tag "${clip(sample.tag)}" ${tag}`, problem: tag };
  // The message is built only for a sample that has a problem: clip (JSON.stringify) per valid sample was the
  // largest cost of this check at high rates.
  const found = (field: SampleField, problem: string): SampleProblem => ({
    field,
    message: `${field} of tag "${clip(sample.tag)}" ${problem}`,
    problem,
  });
  const value = valueProblem(sample.value, rules.maxTextLength);
  if (value !== undefined) return found('value', value);
  if (sample.sourceTimeUs !== undefined) {
    const time = plausibleTimeProblem(sample.sourceTimeUs, nowUs, rules.window);
    if (time !== undefined) return found('sourceTimeUs', time);
  }
  const received = timeProblem(sample.receiveTimeUs);
  if (received !== undefined) return found('receiveTimeUs', received);
  return undefined;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function valueProblem(value: SampleValue, maxTextLength: number): string | undefined {
  if (typeof value === 'string') return textProblem(value, maxTextLength);
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : `is ${value}, not a finite number`;
  // A raw sample's int_value is read as a JavaScript number downstream: past 2^53 it would round, and sending it
  // as number_value instead would switch the tag's wire type. Refused by name, as Sparkplug refuses one.
  if (typeof value === 'bigint') {
    return value >= -MAX_SAFE && value <= MAX_SAFE
      ? undefined
      : `is ${value}, an integer beyond ±(2^53 - 1) that Kiln cannot keep exact`;
  }
  if (typeof value === 'object') {
    const index = value.findIndex((item) => !Number.isFinite(item));
    if (index >= 0) return `holds ${value[index]} at [${index}], not a finite number`;
  }
  return undefined;
}

/**
 * The sample as JSON for its dead letter: 64-bit integers and non-finite numbers as text (JSON has neither),
 * every field as the connector handed it over.
 */
export function sampleAsJson(sourceId: string, connector: string, sample: Sample): Buffer {
  return Buffer.from(
    JSON.stringify({ sourceId, connector, ...sample }, (_key, value: unknown) =>
      typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))
        ? String(value)
        : value,
    ),
  );
}

/** A text short enough for a log line and a DLQ header, control characters shown as escapes. */
export function clip(text: string, maxLength = 60): string {
  const shown = text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
  return JSON.stringify(shown).slice(1, -1);
}
