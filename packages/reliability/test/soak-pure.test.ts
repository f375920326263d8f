import { countsAsError } from '../src/log-lines';
import { parseNumberOptions } from '../src/options';
import { medianBetween } from '../src/soak/rss';

describe('error-level log lines', () => {
  it('counts pino lines of level error and fatal only', () => {
    expect(countsAsError('{"level":50,"msg":"x"}')).toBe(true);
    expect(countsAsError('{"level":60,"msg":"x"}')).toBe(true);
    expect(countsAsError('{"level":40,"msg":"x"}')).toBe(false);
    expect(countsAsError('plain text error')).toBe(false);
    expect(countsAsError('{broken')).toBe(false);
  });
});

describe('RSS summary', () => {
  it('takes the median of the samples inside the range', () => {
    const samples = [10, 30, 20, 1000, 40].map((bytes, i) => ({ atMs: i * 10_000, bytes }));
    expect(medianBetween(samples, 0, 30_000)).toBe(20);
    expect(medianBetween(samples, 30_000, 50_000)).toBe(520);
    expect(medianBetween(samples, 60_000, 70_000)).toBeUndefined();
  });
});

describe('options', () => {
  const specs = { rate: { defaultValue: 10, min: 1, description: 'per second' } };

  it('keeps defaults and reads --name value', () => {
    expect(parseNumberOptions([], specs)).toEqual({ rate: 10 });
    expect(parseNumberOptions(['--rate', '25'], specs)).toEqual({ rate: 25 });
  });

  it('refuses an unknown option and a bad number, naming them', () => {
    expect(() => parseNumberOptions(['--rat', '1'], specs)).toThrow("unknown option '--rat'");
    expect(() => parseNumberOptions(['--rate', 'fast'], specs)).toThrow(
      "--rate: expected a number >= 1 (per second), got 'fast'",
    );
    expect(() => parseNumberOptions(['--rate', '0'], specs)).toThrow('--rate');
  });
});
