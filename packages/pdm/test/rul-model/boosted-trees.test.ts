import { DEFAULT_BOOSTING, type BoostingOptions } from '../../src/rul-model';
import { predictBoostedTrees, trainBoostedTrees } from '../../src/rul-model/boosted-trees';

const options: BoostingOptions = { ...DEFAULT_BOOSTING, treeCount: 80, learningRate: 0.2, minRowsPerLeaf: 3 };

describe('trainBoostedTrees', () => {
  const xs = Array.from({ length: 200 }, (_, i) => Float64Array.of(i / 10, (i * 7) % 13));

  it('learns a step on the first feature, splitting there first', () => {
    const ys = xs.map((x) => ((x[0] ?? 0) < 10 ? 100 : 0));
    const model = trainBoostedTrees(xs, ys, { ...options, featureSampleRate: 1 });
    expect(predictBoostedTrees(model, [5, 3])).toBeCloseTo(100, 0);
    expect(predictBoostedTrees(model, [15, 3])).toBeCloseTo(0, 0);
    expect(model.trees[0]?.feature[0]).toBe(0);
  });

  it('approximates a linear relation within a few percent of its range', () => {
    const ys = xs.map((x) => 3 * (x[0] ?? 0));
    const model = trainBoostedTrees(xs, ys, options);
    for (const x of [2, 7.3, 12, 18])
      expect(Math.abs(predictBoostedTrees(model, [x, 0]) - 3 * x)).toBeLessThan(2);
  });

  it('never makes a leaf from fewer rows than minRowsPerLeaf', () => {
    const ys = xs.map((x, i) => (i === 100 ? 1000 : (x[0] ?? 0)));
    const model = trainBoostedTrees(xs, ys, {
      ...options,
      treeCount: 1,
      learningRate: 1,
      minRowsPerLeaf: 50,
    });
    // an isolated outlier cannot get a leaf of its own: its neighbours dilute it
    expect(predictBoostedTrees(model, [10, 0])).toBeLessThan(100);
  });

  it('rejects mismatched rows and targets', () => {
    expect(() => trainBoostedTrees(xs, [1, 2], options)).toThrow(
      'need equal, non-zero numbers of rows and targets',
    );
  });
});
