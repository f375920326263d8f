// The body of `POST <path>`: a batch of samples of one source, validated at the boundary and turned into
// Samples. Pure: the receive time is an argument.
import { z } from 'zod';
import { textProblem, timeProblem } from '@kiln/contracts';
import { formatPath } from '@kiln/service-kit';
import { toMicros, type Sample } from '../types';

const VALUE_EXPECTED = 'number, boolean, string or array of numbers';
const TIME_EXPECTED =
  'expected an ISO 8601 time with a zone (2024-05-01T06:00:00.125Z, ...+02:00) or epoch milliseconds';

const required =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `required: expected ${expected}` : `expected ${expected}`;

/** What a source name may hold: it becomes part of a Kafka key and a metric label. */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const isoTimestamp = z.iso.datetime({ offset: true, error: TIME_EXPECTED });
/** The very pattern zod checks an ISO timestamp with, so the fast path accepts exactly what the schema accepts. */
const ISO_TIMESTAMP: RegExp | undefined = isoTimestamp._zod.def.pattern;

const sampleSchema = z
  .strictObject({
    tag: z.string({ error: required('a non-empty string') }).min(1, 'expected a non-empty string'),
    value: z.union([z.number(), z.boolean(), z.string(), z.array(z.number())], {
      error: required(VALUE_EXPECTED),
    }),
    timestamp: z
      .union([isoTimestamp, z.number().min(0, TIME_EXPECTED)], {
        error: TIME_EXPECTED,
      })
      .optional(),
    quality: z
      .enum(['good', 'uncertain', 'bad'], { error: 'expected "good", "uncertain" or "bad"' })
      .optional(),
  })
  .superRefine((sample, context) => {
    // What the database and int64 take, whatever the time now (the plausible window is the connector's check).
    const problems: [string, string | undefined][] = [
      ['tag', textProblem(sample.tag)],
      ['value', typeof sample.value === 'string' ? textProblem(sample.value) : undefined],
      [
        'timestamp',
        sample.timestamp === undefined ? undefined : timeProblem(timestampToMicros(sample.timestamp)),
      ],
    ];
    for (const [field, message] of problems) {
      if (message !== undefined) context.addIssue({ code: 'custom', path: [field], message });
    }
  });

export const sampleBatchSchema = z.strictObject(
  {
    source: z
      .string({ error: required('a source name') })
      .regex(SOURCE_NAME, 'expected 1-128 letters, digits or ".", "_", ":", "/", "-"'),
    samples: z.array(sampleSchema, { error: required('an array of samples') }),
  },
  { error: 'expected a JSON object { "source": ..., "samples": [...] }' },
);

export type SampleBatch = z.infer<typeof sampleBatchSchema>;

/** One problem of a batch, with the field that has it: `samples[3].value`. */
export interface BatchIssue {
  readonly field: string;
  readonly message: string;
}

/** A batch that does not match the schema; the request is refused as a whole. */
export class SampleBatchError extends Error {
  constructor(readonly issues: readonly BatchIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'SampleBatchError';
  }
}

export type ParsedBatch = { ok: true; batch: SampleBatch } | { ok: false; error: SampleBatchError };

const MAX_ISSUES = 10;

export function parseSampleBatch(body: unknown): ParsedBatch {
  const batch = validBatchOrUndefined(body);
  if (batch !== undefined) return { ok: true, batch };
  const result = sampleBatchSchema.safeParse(body);
  if (result.success) return { ok: true, batch: result.data };
  const issues = result.error.issues.slice(0, MAX_ISSUES).map((issue): BatchIssue => {
    const field = formatPath(issue.path) || 'body';
    if (issue.code === 'unrecognized_keys') {
      return { field, message: `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}` };
    }
    return { field, message: issue.message };
  });
  return { ok: false, error: new SampleBatchError(issues) };
}

const QUALITIES: ReadonlySet<unknown> = new Set(['good', 'uncertain', 'bad']);

/**
 * The fast path of parseSampleBatch: a plain loop over the samples with typeof checks, no schema walk and no copy.
 * It answers only "valid" (the body itself, which then is a SampleBatch) or "not sure"; anything it does not accept
 * goes through the zod schema, which finds the same verdict and words the issues. It must never accept what the
 * schema refuses (test/http/sample-batch-fast-path.test.ts checks that on random bodies).
 */
function validBatchOrUndefined(body: unknown): SampleBatch | undefined {
  if (!isPlainRecord(body)) return undefined;
  let keys = 0;
  for (const key in body) {
    if (key !== 'source' && key !== 'samples') return undefined;
    keys += 1;
  }
  const { source, samples } = body;
  if (keys !== 2 || typeof source !== 'string' || !SOURCE_NAME.test(source) || !Array.isArray(samples)) {
    return undefined;
  }
  for (let index = 0; index < samples.length; index += 1) {
    if (!isValidSample(samples[index])) return undefined;
  }
  return body as SampleBatch;
}

function isValidSample(sample: unknown): boolean {
  if (!isPlainRecord(sample)) return false;
  for (const key in sample) {
    if (key !== 'tag' && key !== 'value' && key !== 'timestamp' && key !== 'quality') return false;
  }
  const { tag, value, timestamp, quality } = sample;
  if (typeof tag !== 'string' || tag.length === 0 || textProblem(tag) !== undefined) return false;
  if (!isValidValue(value)) return false;
  if (quality !== undefined && !QUALITIES.has(quality)) return false;
  if (timestamp === undefined) return true;
  if (typeof timestamp === 'number') {
    return Number.isFinite(timestamp) && timestamp >= 0 && timeProblem(toMicros(timestamp)) === undefined;
  }
  if (typeof timestamp !== 'string') return false;
  // The samples of one moment share their time: the text checked last is not checked again.
  if (timestamp === lastValidIsoTimestamp) return true;
  if (ISO_TIMESTAMP === undefined || !ISO_TIMESTAMP.test(timestamp)) return false;
  if (timeProblem(timestampToMicros(timestamp)) !== undefined) return false;
  lastValidIsoTimestamp = timestamp;
  return true;
}

let lastValidIsoTimestamp: string | undefined;

function isValidValue(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'string':
      return textProblem(value) === undefined;
    default:
      if (!Array.isArray(value)) return false;
      for (let index = 0; index < value.length; index += 1) {
        const element: unknown = value[index];
        if (typeof element !== 'number' || !Number.isFinite(element)) return false;
      }
      return true;
  }
}

/** An object as JSON.parse makes it; arrays and anything with another prototype go the schema's way. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The samples of a valid batch; a sample without timestamp has no source time. */
export function toSamples(batch: SampleBatch, receiveTimeUs: number): Sample[] {
  return batch.samples.map((sample) => {
    const sourceTimeUs = sample.timestamp === undefined ? undefined : timestampToMicros(sample.timestamp);
    return {
      tag: sample.tag,
      value: sample.value,
      quality: sample.quality ?? 'good',
      statusCode: 0,
      ...(sourceTimeUs === undefined ? {} : { sourceTimeUs }),
      receiveTimeUs,
    };
  });
}

/** Epoch milliseconds, or an ISO 8601 time keeping its microseconds (Date keeps only milliseconds). */
export function timestampToMicros(timestamp: string | number): number {
  if (typeof timestamp === 'number') return toMicros(timestamp);
  // A batch's samples of one moment share their time text: it is read once.
  if (timestamp === lastIsoText) return lastIsoMicros;
  const micros = isoToMicros(timestamp);
  lastIsoText = timestamp;
  lastIsoMicros = micros;
  return micros;
}

let lastIsoText: string | undefined;
let lastIsoMicros = 0;

function isoToMicros(timestamp: string): number {
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? '';
  const wholeMs = Date.parse(timestamp.replace(/\.\d+/, ''));
  return wholeMs * 1000 + Math.round(Number(`0.${fraction || '0'}`) * 1_000_000);
}
