// ISO times of requests (pure): strict fields, so that a day the month lacks is refused instead of rolling over
// into the next month (issue 18: 2026-02-30 was read as March 2), and the same microseconds as Date.parse for
// every time that is valid.
import { isoTimeOf } from '../src/domain/range';

const problemOf = (text: string): string | undefined => {
  const time = isoTimeOf(text);
  return 'problem' in time ? time.problem : undefined;
};

describe('isoTimeOf', () => {
  it('refuses a field out of range, naming it, instead of rolling over', () => {
    expect(problemOf('2026-02-30T00:00:00Z')).toBe(
      '"2026-02-30T00:00:00Z" is not a valid time: February 2026 has days 1-28, not 30',
    );
    expect(problemOf('2026-04-31T00:00:00Z')).toMatch(/April 2026 has days 1-30, not 31$/);
    expect(problemOf('2026-13-01T00:00:00Z')).toMatch(/month 13 is not 1-12$/);
    expect(problemOf('2026-00-10T00:00:00Z')).toMatch(/month 0 is not 1-12$/);
    expect(problemOf('2026-03-00T00:00:00Z')).toMatch(/March 2026 has days 1-31, not 0$/);
    expect(problemOf('2026-02-28T24:00:00Z')).toMatch(/hour 24 is not 0-23$/);
    expect(problemOf('2026-02-28T23:60:00Z')).toMatch(/minute 60 is not 0-59$/);
    expect(problemOf('2026-02-28T23:59:60Z')).toMatch(/second 60 is not 0-59$/);
    expect(problemOf('2026-02-28T23:59:00+24:00')).toMatch(/zone offset/);
  });

  it('knows leap years, and refuses times outside 1970 through 2255', () => {
    expect(problemOf('2024-02-29T00:00:00Z')).toBeUndefined();
    expect(problemOf('2000-02-29T00:00:00Z')).toBeUndefined();
    expect(problemOf('2100-02-29T00:00:00Z')).toMatch(/February 2100 has days 1-28, not 29$/);
    expect(problemOf('0000-01-01T00:00:00Z')).toBe(
      '"0000-01-01T00:00:00Z" is not a time between 1970 and 2255',
    );
    expect(problemOf('1969-12-31T23:59:59Z')).toMatch(/between 1970 and 2255$/);
    expect(problemOf('9999-12-31T23:59:59Z')).toMatch(/between 1970 and 2255$/);
    expect(problemOf('0000-01-01')).toMatch(/is not an ISO 8601 time with a zone/);
    expect(isoTimeOf('1970-01-01T00:00:00Z')).toEqual({ us: 0 });
  });

  it('reads every valid time as Date.parse does, microseconds and zones included', () => {
    expect(isoTimeOf('2026-03-02T06:00:00.123456+01:00')).toEqual({
      us: Date.parse('2026-03-02T05:00:00.123Z') * 1000 + 456,
    });
    expect(isoTimeOf('2026-03-02T06:00-03:30')).toEqual({ us: Date.parse('2026-03-02T09:30:00Z') * 1000 });
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const two = (n: number): string => String(n).padStart(2, '0');
    for (let i = 0; i < 2_000; i += 1) {
      const year = 1971 + next(280);
      const month = 1 + next(12);
      const day = 1 + next(28);
      const zone = next(3) === 0 ? 'Z' : `${next(2) === 0 ? '+' : '-'}${two(next(15))}:${two(next(60))}`;
      const text = `${year}-${two(month)}-${two(day)}T${two(next(24))}:${two(next(60))}:${two(next(60))}.${String(next(1000)).padStart(3, '0')}${zone}`;
      expect(isoTimeOf(text)).toEqual({ us: Date.parse(text) * 1000 });
    }
  });
});
