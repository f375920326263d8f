import { estimateRul, type RulParams, type TrendPoint } from '../src';
import { randomStream } from './fixtures';

const PARAMS: RulParams = {
  model: 'linear',
  halfLifeH: 24,
  minPoints: 12,
  tCritical: 3,
  intervalSigma: 2,
  maxRulH: 8760,
};

function series(fn: (t: number) => number, noise: number, seed: number, untilH: number): TrendPoint[] {
  const rng = randomStream(seed);
  const points: TrendPoint[] = [];
  for (let t = untilH - 48; t <= untilH; t += 1 / 6)
    points.push({ opHours: t, value: fn(t) + noise * rng.normal() });
  return points;
}

describe('remaining useful life', () => {
  it('recovers a linear degradation: true RUL inside the interval, estimate within 10%', () => {
    // y = 1 + 0.05 t reaches 6 at t = 100; at t = 50 the RUL is 50 h.
    const fit = estimateRul(
      series((t) => 1 + 0.05 * t, 0.05, 1, 50),
      6,
      50,
      PARAMS,
    );
    expect(fit?.model).toBe('linear');
    expect(Math.abs((fit?.estimateH ?? 0) - 50)).toBeLessThan(5);
    expect(fit?.lowerH).toBeLessThanOrEqual(50);
    expect(fit?.upperH).toBeGreaterThanOrEqual(50);
  });

  it('recovers an exponential degradation with the exponential model', () => {
    // y = exp(0.02 t) reaches exp(3) at t = 150; at t = 100 the RUL is 50 h.
    const fit = estimateRul(
      series((t) => Math.exp(0.02 * t) * (1 + 0.01 * 0), 0.02, 2, 100),
      Math.exp(3),
      100,
      { ...PARAMS, model: 'exponential' },
    );
    expect(fit?.model).toBe('exponential');
    expect(Math.abs((fit?.estimateH ?? 0) - 50)).toBeLessThan(5);
    expect(fit?.lowerH).toBeLessThanOrEqual(50);
    expect(fit?.upperH).toBeGreaterThanOrEqual(50);
  });

  it('gives no estimate for a stationary signal', () => {
    const undefinedCount = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
      .map((seed) =>
        estimateRul(
          series(() => 2, 0.1, seed, 100),
          6,
          100,
          PARAMS,
        ),
      )
      .filter((fit) => fit === undefined).length;
    expect(undefinedCount).toBeGreaterThanOrEqual(9);
  });

  it('gives no estimate for an improving signal or too few points', () => {
    expect(
      estimateRul(
        series((t) => 10 - 0.05 * t, 0.05, 3, 60),
        12,
        60,
        PARAMS,
      ),
    ).toBeUndefined();
    expect(estimateRul(series((t) => t, 0, 3, 60).slice(-5), 100, 60, PARAMS)).toBeUndefined();
  });

  it('says 0 h once the fitted level is past the failure threshold', () => {
    expect(
      estimateRul(
        series((t) => 1 + 0.1 * t, 0.01, 4, 100),
        5,
        100,
        PARAMS,
      )?.estimateH,
    ).toBe(0);
  });
});
