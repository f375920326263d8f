// The latest-value answer written as text: the same bytes JSON.stringify gives of the answer's objects, for any
// signal path, value, text and time (escapes, -0, Infinity, the same second again, years past 9999).
import fc from 'fast-check';
import type { LatestValue } from '../src/domain/telemetry';
import { isoOf } from '../src/domain/range';
import { latestBody } from '../src/rest/mapping';

const QUALITY = ['unknown', 'good', 'uncertain', 'bad'];

const asObjects = (values: readonly LatestValue[]) =>
  JSON.stringify({
    values: values.map((value) => ({
      signal: `${value.signal.assetId}/${value.signal.name}`,
      time: isoOf(value.timeUs),
      value: value.value,
      valueText: value.valueText,
      quality: QUALITY[value.quality] ?? 'unknown',
    })),
  });

const latestValue = fc.record({
  signal: fc.record({ assetId: fc.string({ unit: 'grapheme' }), name: fc.string() }),
  timeUs: fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: 1_767_600_000_000_000, max: 1_767_600_002_000_000 }),
    fc.constantFrom(-1, -1_000_001, 253_402_300_800_000_000, 8.64e18),
  ),
  value: fc.option(fc.double()),
  valueText: fc.option(fc.string({ unit: 'binary' })),
  quality: fc.integer({ min: -1, max: 5 }),
});

describe('latestBody', () => {
  it('writes what JSON.stringify writes of the answer', () => {
    fc.assert(
      fc.property(fc.array(latestValue, { maxLength: 12 }), (values) => {
        expect(latestBody(values)).toBe(asObjects(values));
      }),
      { numRuns: 2_000 },
    );
  });

  it('formats each value of a second with its own milliseconds', () => {
    const second = Date.UTC(2026, 11, 8, 6, 0, 1) * 1000;
    const values = [0, 7_000, 45_999, 999_999, 1_000_000].map((us) => ({
      signal: { assetId: 'a', name: 's' },
      timeUs: second + us,
      value: 1,
      valueText: null,
      quality: 1,
    }));
    const times = (JSON.parse(latestBody(values)) as { values: { time: string }[] }).values.map(
      (value) => value.time,
    );
    expect(times).toEqual([
      '2026-12-08T06:00:01.000Z',
      '2026-12-08T06:00:01.007Z',
      '2026-12-08T06:00:01.045Z',
      '2026-12-08T06:00:01.999Z',
      '2026-12-08T06:00:02.000Z',
    ]);
  });
});
