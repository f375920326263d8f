import fc from 'fast-check';
import { unitFolds } from '../../src/rul-model';

describe('unitFolds', () => {
  it('puts every unit in exactly one fold, folds differing in size by at most one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 2, maxLength: 120 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer(),
        (units, requestedFolds, seed) => {
          const foldCount = Math.min(requestedFolds, units.length);
          const folds = unitFolds(units, foldCount, seed);
          const all = folds.flat().sort((a, b) => a - b);
          expect(all).toEqual([...units].sort((a, b) => a - b));
          const sizes = folds.map((fold) => fold.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('treats repeated unit ids (one per row) as one unit', () => {
    const rowsUnits = [1, 1, 1, 2, 2, 3, 3, 3, 4];
    const folds = unitFolds(rowsUnits, 2, 7);
    expect(folds.flat().sort()).toEqual([1, 2, 3, 4]);
  });

  it('is deterministic for a seed and shuffles units between seeds', () => {
    const units = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(unitFolds(units, 5, 42)).toEqual(unitFolds(units, 5, 42));
    expect(unitFolds(units, 5, 42)).not.toEqual(unitFolds(units, 5, 43));
  });

  it('rejects more folds than units', () => {
    expect(() => unitFolds([1, 2], 3, 1)).toThrow('foldCount must be an integer in [2, 2] (units), got 3');
  });
});
