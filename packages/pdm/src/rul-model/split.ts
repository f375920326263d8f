import { seededRandom, shuffled } from './random';

/**
 * Splits unit ids into `foldCount` folds of near-equal size, in a seeded random order. Whole units go to one
 * fold: cycles of one engine are strongly correlated, so holding out rows instead of units would leak.
 */
export function unitFolds(unitIds: readonly number[], foldCount: number, seed: number): number[][] {
  const distinct = [...new Set(unitIds)].sort((a, b) => a - b);
  if (!Number.isInteger(foldCount) || foldCount < 2 || foldCount > distinct.length) {
    throw new RangeError(`foldCount must be an integer in [2, ${distinct.length}] (units), got ${foldCount}`);
  }
  const folds: number[][] = Array.from({ length: foldCount }, () => []);
  shuffled(distinct, seededRandom(seed)).forEach((unit, i) => folds[i % foldCount]?.push(unit));
  return folds.map((fold) => fold.sort((a, b) => a - b));
}
