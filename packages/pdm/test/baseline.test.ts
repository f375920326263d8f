import { orientedZ, robustBaseline } from '../src';
import { randomStream } from './fixtures';

describe('robust baseline', () => {
  it('is not moved by 10% gross outliers', () => {
    const rng = randomStream(1);
    const values = Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? 1000 : 10 + rng.normal()));
    const baseline = robustBaseline(values);
    expect(baseline?.median).toBeGreaterThan(9.5);
    expect(baseline?.median).toBeLessThan(10.5);
    expect(baseline?.scale).toBeGreaterThan(0.8);
    expect(baseline?.scale).toBeLessThan(1.5);
  });

  it('floors the scale of a flat signal so z stays finite', () => {
    const baseline = robustBaseline([50, 50, 50, 50]);
    expect(baseline?.scale).toBeCloseTo(1, 12); // 2% of 50
    expect(baseline && orientedZ(baseline, 52, 'up')).toBeCloseTo(2, 12);
  });

  it('signs z towards failure for a signal degrading downwards', () => {
    const baseline = robustBaseline([10, 11, 9, 10, 10]);
    expect(baseline && orientedZ(baseline, 8, 'down')).toBeGreaterThan(0);
  });

  it('round-trips through JSON', () => {
    const baseline = robustBaseline([1, 2, 3, 4, 5]);
    expect(JSON.parse(JSON.stringify(baseline))).toEqual(baseline);
  });

  it('learns nothing from no finite value', () => {
    expect(robustBaseline([Number.NaN])).toBeUndefined();
  });
});
