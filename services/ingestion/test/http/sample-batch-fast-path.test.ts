// parseSampleBatch takes a fast path (a plain loop) for valid bodies and the zod schema for the rest. Equivalence:
// on random valid and invalid bodies it answers exactly what the schema alone answers, the same samples when
// valid and the same issues, word for word, when not.
import fc from 'fast-check';
import { textProblem } from '@kiln/contracts';
import { formatPath } from '@kiln/service-kit';
import { fuzzRuns } from '@kiln/test-infra';
import { parseSampleBatch, sampleBatchSchema, toSamples } from '../../src/connectors/http/sample-batch';

const RUNS = Math.max(fuzzRuns(), 500);
const RECEIVED_US = 1_760_000_000_000_000;

/** What parseSampleBatch answered before the fast path: the schema alone, issues worded the same way. */
function schemaVerdict(body: unknown): unknown {
  const result = sampleBatchSchema.safeParse(body);
  if (result.success) return { ok: true, samples: toSamples(result.data, RECEIVED_US) };
  return {
    ok: false,
    issues: result.error.issues.slice(0, 10).map((issue) => ({
      field: formatPath(issue.path) || 'body',
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`
          : issue.message,
    })),
  };
}

function verdict(body: unknown): unknown {
  const parsed = parseSampleBatch(body);
  return parsed.ok
    ? { ok: true, samples: toSamples(parsed.batch, RECEIVED_US) }
    : { ok: false, issues: parsed.error.issues };
}

const validSample = fc.record(
  {
    tag: fc.stringMatching(/^[a-z0-9/._-]{1,40}$/),
    value: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.string({ maxLength: 20 }).filter((text) => textProblem(text) === undefined),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 5 }),
    ),
    timestamp: fc.oneof(
      fc.integer({ min: 0, max: 253_402_300_799_000 }),
      fc
        .date({ min: new Date(0), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
        .map((date) => date.toISOString()),
      fc.constantFrom('2024-05-01T06:00:00+02:00', '2024-05-01T06:00:00.123456Z', '2024-02-29T00:00:00Z'),
    ),
    quality: fc.constantFrom('good', 'uncertain', 'bad'),
  },
  { requiredKeys: ['tag', 'value'] },
);

// Each field replaced by something that may or may not pass: wrong types, control characters, Infinity, dates
// that do not exist, unknown keys, times out of range.
const oddValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    '',
    'a\u0000b',
    '\u001b',
    Infinity,
    -1,
    1e16,
    Number.NaN,
    '2024-02-30T00:00:00Z',
    '2024-05-01T06:00:00',
    '2024-05-01T24:00:00Z',
    '2024-05-01T06:00Z',
    'bad',
    'GOOD',
    [1, 'x'],
    [Infinity],
    null,
    undefined,
    'x'.repeat(5_000),
  ),
);
const oddSample = fc.oneof(
  fc
    .tuple(validSample, fc.constantFrom('tag', 'value', 'timestamp', 'quality', 'extra'), oddValue)
    .map(([sample, field, value]) => ({ ...sample, [field]: value })),
  fc.anything(),
);

const batch = (samples: fc.Arbitrary<unknown[]>): fc.Arbitrary<unknown> =>
  fc.record({
    source: fc.oneof(
      { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}$/) },
      { weight: 1, arbitrary: oddValue },
    ),
    samples,
  });

describe('the HTTP body fast path', () => {
  it('accepts what the schema accepts, with the same samples', () => {
    fc.assert(
      fc.property(batch(fc.array(validSample, { maxLength: 20 })), (body) => {
        expect(verdict(body)).toEqual(schemaVerdict(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses what the schema refuses, with the same issues word for word', () => {
    const mixed = fc
      .tuple(fc.array(validSample, { maxLength: 10 }), fc.array(oddSample, { minLength: 1, maxLength: 3 }))
      .chain(([valid, odd]) =>
        fc.shuffledSubarray([...valid, ...odd], { minLength: valid.length + odd.length }),
      );
    fc.assert(
      fc.property(
        fc.oneof(batch(mixed), fc.anything(), batch(fc.anything() as fc.Arbitrary<unknown[]>)),
        (body) => {
          expect(verdict(body)).toEqual(schemaVerdict(body));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a body whose one defect is one field of one sample, as the schema does', () => {
    const oneDefect = fc
      .tuple(
        fc.array(validSample, { maxLength: 5 }),
        validSample,
        fc.constantFrom('tag', 'value', 'timestamp', 'quality', 'extra'),
        oddValue,
      )
      .map(([valid, sample, field, value]) => ({
        source: 'line-1/press-04',
        samples: [...valid, { ...sample, [field]: value }],
      }));
    fc.assert(
      fc.property(oneDefect, (body) => {
        expect(verdict(body)).toEqual(schemaVerdict(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('takes unknown fields of the body to the schema', () => {
    const body = { source: 'line-1', samples: [], extra: 1 };
    expect(verdict(body)).toEqual(schemaVerdict(body));
    expect(parseSampleBatch(body).ok).toBe(false);
  });
});
