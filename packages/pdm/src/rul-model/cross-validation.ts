import { cappedRulTargets, groupByUnit, type EngineCycle } from './cmapss';
import { phm08Score, rmse } from './metrics';
import {
  predictRul,
  predictRulCurve,
  resolveRulTrainingOptions,
  trainRulModel,
  type RulTrainingOptionsInput,
} from './model';
import { randomInt, seededRandom } from './random';
import { unitFolds } from './split';

export interface CrossValidationOptions {
  foldCount: number;
  seed: number;
  /** Truncation points drawn per held-out unit, like the test units that stop before failure. */
  cutsPerUnit: number;
  /** A cut keeps at least this many cycles (the shortest FD001 test history has 31). */
  minCutCycles: number;
  training: RulTrainingOptionsInput;
}

export const DEFAULT_CROSS_VALIDATION: CrossValidationOptions = {
  foldCount: 5,
  seed: 2026,
  cutsPerUnit: 5,
  minCutCycles: 30,
  training: {},
};

/** One held-out unit cut after `cycles` cycles, with the model's and the constant baseline's RUL there. */
export interface TruncatedPoint {
  fold: number;
  unit: number;
  cycles: number;
  trueRul: number;
  predictedRul: number;
  baselineRul: number;
}

export interface FoldSummary {
  fold: number;
  heldOutUnits: number[];
  truncatedRmse: number;
  baselineRmse: number;
}

export interface CrossValidationScores {
  rmse: number;
  phm08: number;
  /** PHM08 divided by the number of points, comparable across point counts. */
  phm08PerPoint: number;
}

export interface CrossValidationResult {
  points: TruncatedPoint[];
  folds: FoldSummary[];
  model: CrossValidationScores;
  constantBaseline: CrossValidationScores;
  /** RMSE over every cycle of every held-out unit (capped target), for comparison with the literature. */
  allRowsRmse: number;
}

function scores(predicted: number[], actual: number[]): CrossValidationScores {
  const phm08 = phm08Score(predicted, actual);
  return { rmse: rmse(predicted, actual), phm08, phm08PerPoint: phm08 / predicted.length };
}

/**
 * K-fold cross-validation holding out whole units. Each held-out unit is scored the way test units are: at
 * seeded random truncation points, against the capped true RUL there. The constant baseline predicts the mean
 * capped target of the training folds, scored at the same points.
 */
export function crossValidateRul(
  records: readonly EngineCycle[],
  options: Partial<CrossValidationOptions> = {},
  onFold?: (summary: FoldSummary) => void,
): CrossValidationResult {
  const settings = { ...DEFAULT_CROSS_VALIDATION, ...options };
  const rulCap = resolveRulTrainingOptions(settings.training).rulCap;
  const byUnit = groupByUnit(records);
  const folds = unitFolds([...byUnit.keys()], settings.foldCount, settings.seed);
  const random = seededRandom(settings.seed + 1);
  const points: TruncatedPoint[] = [];
  const allRowsPredicted: number[] = [];
  const allRowsActual: number[] = [];
  const summaries: FoldSummary[] = [];
  folds.forEach((heldOut, fold) => {
    const heldOutSet = new Set(heldOut);
    const training = records.filter((record) => !heldOutSet.has(record.unit));
    const model = trainRulModel(training, settings.training);
    const trainingTargets = [...groupByUnit(training).values()].flatMap((h) => cappedRulTargets(h, rulCap));
    const baselineRul = trainingTargets.reduce((sum, y) => sum + y, 0) / trainingTargets.length;
    const foldPoints: TruncatedPoint[] = [];
    for (const unit of heldOut) {
      const history = byUnit.get(unit) ?? [];
      allRowsPredicted.push(...predictRulCurve(model, history));
      allRowsActual.push(...cappedRulTargets(history, rulCap));
      const lowest = Math.min(settings.minCutCycles, history.length);
      for (let c = 0; c < settings.cutsPerUnit; c++) {
        const cycles = randomInt(lowest, history.length, random);
        const trueRul = Math.min(history.length - cycles, rulCap);
        const predictedRul = predictRul(model, history.slice(0, cycles));
        foldPoints.push({ fold, unit, cycles, trueRul, predictedRul, baselineRul });
      }
    }
    const actual = foldPoints.map((p) => p.trueRul);
    const summary: FoldSummary = {
      fold,
      heldOutUnits: heldOut,
      truncatedRmse: rmse(
        foldPoints.map((p) => p.predictedRul),
        actual,
      ),
      baselineRmse: rmse(
        foldPoints.map((p) => p.baselineRul),
        actual,
      ),
    };
    summaries.push(summary);
    onFold?.(summary);
    points.push(...foldPoints);
  });
  const actual = points.map((p) => p.trueRul);
  return {
    points,
    folds: summaries,
    model: scores(
      points.map((p) => p.predictedRul),
      actual,
    ),
    constantBaseline: scores(
      points.map((p) => p.baselineRul),
      actual,
    ),
    allRowsRmse: rmse(allRowsPredicted, allRowsActual),
  };
}
