// Fuzzing the MQTT connector's message mapping (topic + payload bytes -> sample or refusal) with generated
// payloads: random bytes, random JSON and JSON shaped like a real payload with hostile values. It must never
// throw, answer every input within a time bound, name the field of every refusal, and hand on only samples that
// the pipeline and the database accept (times that fit, text without control characters).
import fc from 'fast-check';
import { textProblem, timeProblem } from '@kiln/contracts';
import { fuzzRuns } from '@kiln/test-infra';
import { mqttConnectorConfigSchema } from '../src/connectors/mqtt/config';
import { createMessageMapper, type MessageMappingResult } from '../src/connectors/mqtt/message-mapping';
import type { Sample } from '../src/connectors/types';

const RUNS = fuzzRuns();
const RECEIVED_US = 1_760_000_000_000_000;
/** Longest a single message may take to map (CPU): far above the µs it takes, far below a stalled connector. */
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const mapper = createMessageMapper(
  mqttConnectorConfigSchema.parse({
    kind: 'mqtt',
    id: 'fuzz',
    url: 'mqtt://broker:1883',
    subscriptions: [
      {
        topic: 'iso/+machine',
        tag: '{machine}/t',
        valuePointer: '/v',
        timestampPointer: '/ts',
        timestampFormat: 'iso',
        qualityPointer: '/q',
      },
      {
        topic: 'sec/+machine',
        valuePointer: '/d/0/v',
        timestampPointer: '/d/0/ts',
        timestampFormat: 'epoch-s',
      },
      { topic: 'us/+', valuePointer: '/v', timestampPointer: '/ts', timestampFormat: 'epoch-us' },
      { topic: 'num/+', payloadFormat: 'raw-number' },
      { topic: 'text/+', payloadFormat: 'raw-string' },
      { topic: '#', valuePointer: '/v', timestampPointer: '/ts', qualityPointer: '/q' },
    ],
  }).subscriptions,
);

/** Any text, control characters, lone surrogates and long runs included. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u001b[31m', '\ud800', '\udfff', '\u007f', 'x'.repeat(5_000)),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '\n', '\u0007', '\ud83d\ude00'), maxLength: 200 }),
);
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e16, -1e16, 1e300, -1, 0, 2 ** 53, 2 ** 64, 8.64e15, 253402300800000, Number.MAX_VALUE),
);
const hostileTimestamp = fc.oneof(
  hostileNumber,
  hostileText,
  fc.constantFrom(
    '2024-05-01T06:00:00Z',
    '0000-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.999999+00:00',
    '275760-09-13T00:00:00Z',
    '2024-02-30T25:61:00Z',
    '1e16',
    '-5',
    '99999999999999999999',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const hostileValue = fc.oneof(
  hostileNumber,
  hostileText,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileNumber, { maxLength: 20 }),
  fc.jsonValue({ maxDepth: 4 }),
);
const hostileQuality = fc.oneof(
  fc.constantFrom('good', 'BAD', 'Uncertain', 'meh', true, false, 0x40000000, 0x80000000, -1, 2 ** 32, 1.5),
  fc.jsonValue({ maxDepth: 1 }),
);
/** JSON nested deeper than any sane payload, to find recursion limits. */
const deeplyNested = fc
  .integer({ min: 1, max: 5_000 })
  .map((depth) => `${'{"v":['.repeat(depth)}1${']}'.repeat(depth)}`);

const shapedPayload = fc
  .record(
    { v: hostileValue, ts: hostileTimestamp, q: hostileQuality, d: fc.constant(undefined) },
    { requiredKeys: [] },
  )
  .chain((payload) => fc.constantFrom(payload, { d: [payload] }, { ...payload, v: payload.v }, [payload]))
  .map((payload) => JSON.stringify(payload));

const payloadBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 5 }).map((value) => Buffer.from(JSON.stringify(value))),
  shapedPayload.map((text) => Buffer.from(text)),
  deeplyNested.map((text) => Buffer.from(text)),
  hostileText.map((text) => Buffer.from(text)),
);
const topicSegment = fc.oneof(fc.constantFrom('m1', 'press-04', ''), hostileText);
const topic = fc
  .tuple(fc.constantFrom('iso', 'sec', 'us', 'num', 'text', 'plant/line'), topicSegment)
  .map(([prefix, segment]) => `${prefix}/${segment}`);

/** What every sample must be for the pipeline, Kafka and the database to take it. */
function sampleProblems(sample: Sample): string[] {
  const problems: string[] = [];
  const tag = textProblem(sample.tag);
  if (tag !== undefined || sample.tag === '') problems.push(`tag ${tag ?? 'is empty'}`);
  if (sample.sourceTimeUs !== undefined) {
    const time = timeProblem(sample.sourceTimeUs);
    if (time !== undefined) problems.push(`sourceTimeUs ${time}`);
  }
  if (typeof sample.value === 'string') {
    const text = textProblem(sample.value);
    if (text !== undefined) problems.push(`value ${text}`);
  }
  return problems;
}

/** A refusal names where it looked: the payload, a pointer, the timestamp, the quality or the tag. */
const NAMES_ITS_FIELD = /payload|"\/[\w/]*"|timestamp|source time|text value|quality|tag/;

function mapTimed(topicName: string, payload: Uint8Array): MessageMappingResult {
  const started = process.cpuUsage();
  const result = mapper.map(topicName, payload, RECEIVED_US);
  const elapsedMs = cpuMs(process.cpuUsage(started));
  if (elapsedMs > TIME_BOUND_MS) throw new Error(`mapping took ${elapsedMs.toFixed(0)} ms`);
  return result;
}

describe('MQTT JSON payload fuzzing', () => {
  it(`MQTT JSON payload: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(topic, payloadBytes, (topicName, payload) => {
        const result = mapTimed(topicName, payload);
        if (result.kind === 'rejected') {
          expect(result.error).toMatch(NAMES_ITS_FIELD);
        } else if (result.kind === 'sample') {
          expect(sampleProblems(result.sample)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
