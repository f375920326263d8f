import {
  RulModelFormatError,
  crossValidateRul,
  deserializeRulModel,
  groupByUnit,
  predictRul,
  predictRulCurve,
  rmse,
  serializeRulModel,
  trainRulModel,
  type RulTrainingOptionsInput,
} from '../../src/rul-model';
import { syntheticFleet } from './fixtures';

// Small and quick: the relation (drifting sensors -> cycles left) is obvious.
const quick: RulTrainingOptionsInput = {
  rulCap: 50,
  boosting: { treeCount: 60, maxDepth: 3, learningRate: 0.15, minRowsPerLeaf: 5, seed: 3 },
};

describe('trainRulModel and predictRul', () => {
  const fleet = syntheticFleet(12);
  const model = trainRulModel(fleet, quick);

  it('learns the cycles left from drifting sensors on an unseen unit', () => {
    const unseen = syntheticFleet(14).filter((r) => r.unit === 14);
    const curve = predictRulCurve(model, unseen);
    const truth = unseen.map((r) => Math.min(unseen.length - r.cycle, 50));
    expect(rmse(curve, truth)).toBeLessThan(6);
    expect(predictRul(model, unseen.slice(0, unseen.length - 10))).toBeGreaterThan(2);
    expect(predictRul(model, unseen.slice(0, unseen.length - 10))).toBeLessThan(20);
    expect(predictRul(model, unseen.slice(0, 20))).toBeGreaterThan(40);
  });

  it('keeps predictions within [0, rulCap]', () => {
    for (const history of groupByUnit(fleet).values()) {
      for (const rul of predictRulCurve(model, history)) {
        expect(rul).toBeGreaterThanOrEqual(0);
        expect(rul).toBeLessThanOrEqual(50);
      }
    }
  });

  it('predicts at the last cycle the same as the curve does', () => {
    const history = groupByUnit(fleet).get(5) ?? [];
    expect(predictRul(model, history)).toBe(predictRulCurve(model, history).at(-1));
  });

  it('is deterministic for a seed', () => {
    expect(serializeRulModel(trainRulModel(fleet, quick))).toBe(serializeRulModel(model));
  });

  it('refuses an empty history', () => {
    expect(() => predictRul(model, [])).toThrow('empty history');
  });
});

describe('serializeRulModel and deserializeRulModel', () => {
  const fleet = syntheticFleet(6);
  const model = trainRulModel(fleet, { ...quick, boosting: { ...quick.boosting, treeCount: 10 } });

  it('round-trips a model through JSON with identical predictions', () => {
    const restored = deserializeRulModel(serializeRulModel(model));
    const history = groupByUnit(fleet).get(3) ?? [];
    expect(predictRulCurve(restored, history)).toEqual(predictRulCurve(model, history));
  });

  it('rejects a document that is not a RUL model, saying why', () => {
    expect(() => deserializeRulModel('{')).toThrow(RulModelFormatError);
    expect(() => deserializeRulModel('{"format":"other","version":1}')).toThrow('format/version is other/1');
    const broken = JSON.parse(serializeRulModel(model)) as { trees: { trees: { left: number[] }[] } };
    broken.trees.trees[0]?.left.pop();
    expect(() => deserializeRulModel(JSON.stringify(broken))).toThrow('tree 0 has ragged');
  });
});

describe('crossValidateRul', () => {
  const fleet = syntheticFleet(10);
  const result = crossValidateRul(fleet, {
    foldCount: 5,
    cutsPerUnit: 3,
    minCutCycles: 20,
    seed: 9,
    training: { ...quick, boosting: { ...quick.boosting, treeCount: 30 } },
  });

  it('holds out every unit in exactly one fold and scores it only there', () => {
    const heldOut = result.folds.flatMap((fold) => fold.heldOutUnits).sort((a, b) => a - b);
    expect(heldOut).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const point of result.points) {
      expect(result.folds[point.fold]?.heldOutUnits).toContain(point.unit);
    }
    expect(result.points).toHaveLength(30);
  });

  it('scores truncated points against the capped cycles left at the cut', () => {
    for (const point of result.points) {
      const life = 60 + 7 * point.unit;
      expect(point.cycles).toBeGreaterThanOrEqual(20);
      expect(point.cycles).toBeLessThanOrEqual(life);
      expect(point.trueRul).toBe(Math.min(life - point.cycles, 50));
    }
  });

  it('beats the constant-mean baseline scored at the same points', () => {
    expect(result.model.rmse).toBeLessThan(result.constantBaseline.rmse / 2);
    expect(result.model.phm08).toBeLessThan(result.constantBaseline.phm08);
  });
});
