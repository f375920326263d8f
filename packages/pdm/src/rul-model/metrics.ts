function checkedPairs(predicted: readonly number[], actual: readonly number[]): void {
  if (predicted.length !== actual.length) {
    throw new RangeError(
      `predicted has ${predicted.length} values, actual has ${actual.length}: expected equal`,
    );
  }
  if (predicted.length === 0) throw new RangeError('cannot score an empty set of predictions');
}

/** Root mean squared error in cycles. */
export function rmse(predicted: readonly number[], actual: readonly number[]): number {
  checkedPairs(predicted, actual);
  let sum = 0;
  predicted.forEach((p, i) => {
    const d = p - (actual[i] ?? NaN);
    sum += d * d;
  });
  return Math.sqrt(sum / predicted.length);
}

/** Mean absolute error in cycles. */
export function mae(predicted: readonly number[], actual: readonly number[]): number {
  checkedPairs(predicted, actual);
  let sum = 0;
  predicted.forEach((p, i) => {
    sum += Math.abs(p - (actual[i] ?? NaN));
  });
  return sum / predicted.length;
}

/**
 * PHM08 challenge score (Saxena et al. 2008): with d = predicted - true, late predictions (d >= 0) cost
 * exp(d/10) - 1 and early ones exp(-d/13) - 1, because a failure before the predicted time is worse than a
 * premature overhaul. Summed, not averaged: lower is better.
 */
export function phm08Score(predicted: readonly number[], actual: readonly number[]): number {
  checkedPairs(predicted, actual);
  let score = 0;
  predicted.forEach((p, i) => {
    const d = p - (actual[i] ?? NaN);
    score += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  });
  return score;
}
