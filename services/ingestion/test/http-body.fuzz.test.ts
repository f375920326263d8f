// Fuzzing the HTTP push connector's body (parseSampleBatch, then toSamples): random JSON and batches shaped like
// real ones with hostile values (times of 1e16 ms, before 1970, past 9999; tags and texts with control characters;
// huge numbers). Nothing may throw, every input is answered within a time bound, a refusal lists each bad field
// (`samples[3].timestamp`), and an accepted batch holds only samples the pipeline and the database take.
import fc from 'fast-check';
import { textProblem, timeProblem } from '@kiln/contracts';
import { fuzzRuns } from '@kiln/test-infra';
import { parseSampleBatch, toSamples } from '../src/connectors/http/sample-batch';
import type { Sample } from '../src/connectors/types';

const RUNS = fuzzRuns();
const RECEIVED_US = 1_760_000_000_000_000;
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('press-04/temp', '', '\u0000', 'a\u0000b', '\u001b[2J', '\ud800', 'x'.repeat(5_000)),
);
const hostileNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(1e16, 8.64e15, 9.1e12, 253402300800000, -1, 0, 1_760_000_000_000, Number.MAX_VALUE),
);
const hostileTimestamp = fc.oneof(
  hostileNumber,
  hostileText,
  fc.constantFrom(
    '2024-05-01T06:00:00.125Z',
    '1969-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999Z',
    '+275760-09-13T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-05-01T06:00:00.1234567890123Z',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const hostileValue = fc.oneof(
  hostileNumber,
  hostileText,
  fc.boolean(),
  fc.array(hostileNumber, { maxLength: 10 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const sample = fc.record(
  {
    tag: hostileText,
    value: hostileValue,
    timestamp: hostileTimestamp,
    quality: fc.oneof(fc.constantFrom('good', 'bad', 'uncertain', 'GOOD'), hostileText),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: ['tag', 'value'] },
);
const source = fc.oneof(fc.constantFrom('line-2/press-04', 'plc:7', ''), hostileText);
const body = fc.oneof(
  fc.record({ source, samples: fc.array(sample, { maxLength: 8 }) }),
  fc.record(
    { source, samples: fc.oneof(fc.array(sample, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })) },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

function sampleProblems(item: Sample): string[] {
  const problems: string[] = [];
  const tag = textProblem(item.tag);
  if (tag !== undefined) problems.push(`tag ${tag}`);
  if (typeof item.value === 'string') {
    const text = textProblem(item.value);
    if (text !== undefined) problems.push(`value ${text}`);
  }
  if (item.sourceTimeUs !== undefined) {
    const time = timeProblem(item.sourceTimeUs);
    if (time !== undefined) problems.push(`sourceTimeUs ${time}`);
  }
  return problems;
}

describe('HTTP connector body fuzzing', () => {
  it(`HTTP connector body: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(body, (input) => {
        const started = process.cpuUsage();
        const parsed = parseSampleBatch(input);
        if (parsed.ok) {
          for (const item of toSamples(parsed.batch, RECEIVED_US)) expect(sampleProblems(item)).toEqual([]);
        } else {
          expect(parsed.error.issues.length).toBeGreaterThan(0);
          for (const issue of parsed.error.issues) expect(issue.field).toMatch(/^(body|source|samples\b.*)$/);
        }
        const elapsedMs = cpuMs(process.cpuUsage(started));
        if (elapsedMs > TIME_BOUND_MS) throw new Error(`parsing took ${elapsedMs.toFixed(0)} ms`);
      }),
      { numRuns: RUNS },
    );
  });
});
