import {
  chiSquareQuantile,
  fitMultivariateBaseline,
  ledoitWolfCovariance,
  mahalanobis,
  mahalanobisThreshold,
  type MultivariateBaseline,
} from '../src';
import { randomStream } from './fixtures';

function known(covariance: number[][], inverseCovariance: number[][]): MultivariateBaseline {
  return {
    features: ['vibration', 'temperature'],
    mean: [0, 0],
    covariance,
    inverseCovariance,
    shrinkage: 0,
    samples: 0,
  };
}

describe('Mahalanobis distance', () => {
  it('matches the hand computation for a diagonal covariance and names the dominant feature', () => {
    const result = mahalanobis(
      known(
        [
          [4, 0],
          [0, 1],
        ],
        [
          [0.25, 0],
          [0, 1],
        ],
      ),
      [2, 2],
    );
    expect(result.distanceSquared).toBeCloseTo(1 + 4, 12);
    expect(result.contributions).toEqual({ vibration: 1, temperature: 4 });
    expect(result.dominantFeature).toBe('temperature');
  });

  it('accounts for correlation: (1, 1) with rho = 0.5 is 1 / 0.75 * (1 - 0.5 - 0.5 + 1)', () => {
    const inv = [
      [1 / 0.75, -0.5 / 0.75],
      [-0.5 / 0.75, 1 / 0.75],
    ];
    const result = mahalanobis(
      known(
        [
          [1, 0.5],
          [0.5, 1],
        ],
        inv,
      ),
      [1, 1],
    );
    expect(result.distanceSquared).toBeCloseTo(1 / 0.75, 12);
    const sum = Object.values(result.contributions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(result.distanceSquared, 12);
  });

  it('rejects a vector of the wrong length, naming the features', () => {
    expect(() =>
      mahalanobis(
        known(
          [
            [1, 0],
            [0, 1],
          ],
          [
            [1, 0],
            [0, 1],
          ],
        ),
        [1],
      ),
    ).toThrow(/vibration, temperature/);
  });
});

describe('Ledoit-Wolf covariance', () => {
  const draw = (n: number, seed: number): number[][] => {
    const rng = randomStream(seed);
    // x = L e with L = [[2, 0], [1, 1]] => covariance [[4, 2], [2, 2]]
    return Array.from({ length: n }, () => {
      const e1 = rng.normal();
      const e2 = rng.normal();
      return [2 * e1, e1 + e2];
    });
  };

  it('approaches the true covariance with many observations (little shrinkage)', () => {
    const { covariance, shrinkage } = ledoitWolfCovariance(draw(5000, 3));
    expect(shrinkage).toBeLessThan(0.05);
    expect(covariance[0]?.[0]).toBeCloseTo(4, 0);
    expect(covariance[0]?.[1]).toBeCloseTo(2, 0);
    expect(covariance[1]?.[1]).toBeCloseTo(2, 0);
  });

  it('stays invertible when features are perfectly collinear', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i, 2 * i, -i]);
    const baseline = fitMultivariateBaseline(['a', 'b', 'c'], rows);
    expect(baseline.shrinkage).toBeGreaterThan(0);
    expect(Number.isFinite(mahalanobis(baseline, [30, 0, 0]).distanceSquared)).toBe(true);
  });
});

describe('chi-square threshold (Wilson-Hilferty)', () => {
  it.each([
    [0.95, 2, 5.991],
    [0.99, 3, 11.345],
    [0.999, 3, 16.266],
    [0.999, 5, 20.515],
  ])('quantile %p with %p degrees of freedom is within 2%% of %p', (p, dof, exact) => {
    expect(Math.abs(chiSquareQuantile(p, dof) - exact) / exact).toBeLessThan(0.02);
    expect(mahalanobisThreshold(dof, p)).toBe(chiSquareQuantile(p, dof));
  });
});
