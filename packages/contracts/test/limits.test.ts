// The checks every boundary applies: times the database and int64 hold, text PostgreSQL keeps, finite numbers.
import fc from 'fast-check';
import {
  firstTextProblem,
  MAX_TIME_US,
  numberProblem,
  plausibleTimeProblem,
  textProblem,
  timeProblem,
} from '../src';

describe('boundary checks', () => {
  it('accepts times from 1970 through 2255 and refuses the rest, 1e16 ms in µs among them', () => {
    expect(timeProblem(0)).toBeUndefined();
    expect(timeProblem(MAX_TIME_US)).toBeUndefined();
    expect(timeProblem(MAX_TIME_US + 1)).toMatch(/not a time between 1970 and 2255/);
    expect(timeProblem(1e16 * 1000)).toMatch(/not a time/);
    expect(timeProblem(-1)).toMatch(/not a time/);
    expect(timeProblem(Number.NaN)).toMatch(/not a time/);
    expect(timeProblem(1.5)).toMatch(/not a time/);
  });

  it('refuses a live time far from now, naming the window', () => {
    const nowUs = Date.UTC(2026, 11, 6) * 1000;
    expect(plausibleTimeProblem(nowUs - 3_600_000_000, nowUs)).toBeUndefined();
    expect(plausibleTimeProblem(nowUs + 2 * 86_400_000_000, nowUs)).toMatch(/outside the accepted window/);
    expect(plausibleTimeProblem(Date.UTC(2000, 0, 1) * 1000, nowUs)).toMatch(/2000-01-01T00:00:00.000Z/);
  });

  it('refuses NUL, other control characters and lone surrogates, and keeps tab and new lines', () => {
    expect(textProblem('Motor tripped\tat 06:00\r\nreset')).toBeUndefined();
    expect(textProblem('Motor\u0000tripped')).toBe(
      'holds the character U+0000 at position 5; control characters are not accepted',
    );
    expect(textProblem('a\u007F')).toMatch(/U\+007F/);
    expect(textProblem('\uD800x')).toMatch(/U\+D800/);
    expect(textProblem('\uD83D\uDE00 ok')).toBeUndefined();
    expect(textProblem('x'.repeat(11), 10)).toMatch(/11 characters long, at most 10/);
  });

  it('finds the first bad text anywhere in a message, with its path', () => {
    const message = { assetId: 'a', deltas: [{ orderId: 'ok' }, { orderId: 'bad\u0001' }] };
    expect(firstTextProblem(message)).toEqual({
      field: 'deltas[1].orderId',
      problem: expect.stringMatching(/U\+0001/),
    });
    expect(firstTextProblem({ value: new Uint8Array([0]) })).toBeUndefined();
  });

  it('agrees with PostgreSQL on what text it takes: any string it accepts has no NUL and encodes as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        if (textProblem(text) !== undefined) return;
        expect(text.includes('\u0000')).toBe(false);
        expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
      }),
    );
  });

  it('refuses numbers that are not finite or out of range', () => {
    expect(numberProblem(1, { min: 0 })).toBeUndefined();
    expect(numberProblem(Number.POSITIVE_INFINITY)).toMatch(/not a finite number/);
    expect(numberProblem(-1, { min: 0 })).toMatch(/at least 0/);
  });
});
