// Small numeric helpers shared by the feature, baseline and trend modules. Plain arrays in, numbers out.

/** Median of a non-empty list (average of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Median absolute deviation scaled by 1.4826, the consistency constant that makes it estimate the standard
 * deviation of normally distributed data (Rousseeuw & Croux 1993).
 */
export function scaledMad(values: readonly number[], center = median(values)): number {
  return 1.4826 * median(values.map((value) => Math.abs(value - center)));
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Inverse of the standard normal distribution function (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (coef: readonly number[], x: number): number => coef.reduce((acc, k) => acc * x + k, 0);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * Chi-square quantile with `dof` degrees of freedom after Wilson & Hilferty (1931): (X/k)^(1/3) is close to
 * normal with mean 1 - 2/(9k) and variance 2/(9k). Within ~1% of the exact value for k >= 2 and p <= 0.999.
 */
export function chiSquareQuantile(p: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`chi-square quantile needs dof > 0, got ${dof}`);
  const v = 2 / (9 * dof);
  return dof * (1 - v + normalQuantile(p) * Math.sqrt(v)) ** 3;
}

/** Root mean square; NaN when empty. */
export function rms(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return values.length === 0 ? Number.NaN : Math.sqrt(sum / values.length);
}
