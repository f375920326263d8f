import { mae, phm08Score, rmse } from '../../src/rul-model';

describe('rmse', () => {
  it('is the root of the mean squared difference', () => {
    // differences 3, -4, 0: (9 + 16 + 0) / 3 = 25/3
    expect(rmse([13, 6, 7], [10, 10, 7])).toBeCloseTo(Math.sqrt(25 / 3), 12);
  });

  it('is zero for perfect predictions', () => {
    expect(rmse([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it('rejects mismatched or empty inputs', () => {
    expect(() => rmse([1], [1, 2])).toThrow('predicted has 1 values, actual has 2');
    expect(() => rmse([], [])).toThrow('empty');
  });
});

describe('mae', () => {
  it('is the mean absolute difference', () => {
    expect(mae([13, 6, 7], [10, 10, 7])).toBeCloseTo(7 / 3, 12);
  });
});

describe('phm08Score', () => {
  it('charges a late prediction exp(d/10) - 1', () => {
    expect(phm08Score([20], [10])).toBeCloseTo(Math.E - 1, 12);
  });

  it('charges an early prediction exp(-d/13) - 1, less than a late one of the same size', () => {
    expect(phm08Score([0], [13])).toBeCloseTo(Math.E - 1, 12);
    expect(phm08Score([0], [10])).toBeLessThan(phm08Score([20], [10]));
  });

  it('sums over units and is zero for exact predictions', () => {
    expect(phm08Score([5, 5], [5, 5])).toBe(0);
    expect(phm08Score([20, 0, 7], [10, 13, 7])).toBeCloseTo(2 * (Math.E - 1), 12);
  });
});
