// Multivariate baseline of an asset: the joint behaviour of its feature vector (one value per monitored signal
// and window). A fault often shows first as an unusual COMBINATION (current up while speed is normal) before any
// single signal leaves its band. Mahalanobis distance against a shrunk covariance measures that.
import { inverse, Matrix } from 'ml-matrix';
import { chiSquareQuantile } from './statistics';

export interface MultivariateBaseline {
  /** Feature names, the order of every vector below. */
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly covariance: readonly (readonly number[])[];
  readonly inverseCovariance: readonly (readonly number[])[];
  /** Ledoit-Wolf shrinkage intensity used, 0 (sample covariance) .. 1 (scaled identity). */
  readonly shrinkage: number;
  readonly samples: number;
}

/**
 * Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance matrices": shrinks the
 * sample covariance S towards mu*I with the intensity that minimises the expected Frobenius loss. Needed because
 * a baseline of a few dozen windows gives a noisy, sometimes singular S. Rows are observations.
 */
export function ledoitWolfCovariance(rows: readonly (readonly number[])[]): {
  mean: number[];
  covariance: number[][];
  shrinkage: number;
} {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  if (n < 2 || p === 0)
    throw new RangeError(`Ledoit-Wolf needs at least 2 observations of >= 1 feature, got ${n}x${p}`);
  const mean = new Array<number>(p).fill(0);
  for (const row of rows) for (let j = 0; j < p; j += 1) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0) / n;
  const centered = rows.map((row) => row.map((value, j) => value - (mean[j] ?? 0)));
  const sample = zeros(p);
  for (const x of centered)
    for (let i = 0; i < p; i += 1)
      for (let j = 0; j < p; j += 1) addTo(sample, i, j, ((x[i] ?? 0) * (x[j] ?? 0)) / n);
  let trace = 0;
  for (let i = 0; i < p; i += 1) trace += at(sample, i, i);
  const mu = trace / p;
  // Squared Frobenius norms are divided by p, as in the paper.
  let delta2 = 0;
  for (let i = 0; i < p; i += 1)
    for (let j = 0; j < p; j += 1) delta2 += (at(sample, i, j) - (i === j ? mu : 0)) ** 2 / p;
  let beta2 = 0;
  for (const x of centered) {
    let norm = 0;
    for (let i = 0; i < p; i += 1)
      for (let j = 0; j < p; j += 1) norm += ((x[i] ?? 0) * (x[j] ?? 0) - at(sample, i, j)) ** 2 / p;
    beta2 += norm / (n * n);
  }
  const shrinkage = delta2 > 0 ? Math.min(beta2, delta2) / delta2 : 1;
  const covariance = sample.map((row, i) =>
    row.map((value, j) => shrinkage * (i === j ? mu : 0) + (1 - shrinkage) * value),
  );
  return { mean, covariance, shrinkage };
}

/** Fits the multivariate baseline; rows are feature vectors in the order of `features`. */
export function fitMultivariateBaseline(
  features: readonly string[],
  rows: readonly (readonly number[])[],
): MultivariateBaseline {
  const { mean, covariance, shrinkage } = ledoitWolfCovariance(rows);
  // A tiny ridge keeps the inverse finite when every feature was constant (mu = 0).
  const ridged = covariance.map((row, i) => row.map((value, j) => value + (i === j ? 1e-9 : 0)));
  const inverseCovariance = inverse(new Matrix(ridged)).to2DArray();
  return { features, mean, covariance, inverseCovariance, shrinkage, samples: rows.length };
}

export interface MahalanobisResult {
  /** Squared Mahalanobis distance D^2. */
  readonly distanceSquared: number;
  /** Per feature d_i * (S^-1 d)_i; they add up to D^2 (a feature can contribute negatively). */
  readonly contributions: Record<string, number>;
  /** Feature with the largest contribution: the signal to name in an alert. */
  readonly dominantFeature: string;
}

export function mahalanobis(baseline: MultivariateBaseline, vector: readonly number[]): MahalanobisResult {
  const p = baseline.features.length;
  if (vector.length !== p)
    throw new RangeError(
      `expected a vector of ${p} features (${baseline.features.join(', ')}), got ${vector.length}`,
    );
  const d = vector.map((value, i) => value - (baseline.mean[i] ?? 0));
  const contributions: Record<string, number> = {};
  let distanceSquared = 0;
  let dominantFeature = baseline.features[0] ?? '';
  let dominant = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < p; i += 1) {
    let solved = 0;
    for (let j = 0; j < p; j += 1) solved += (baseline.inverseCovariance[i]?.[j] ?? 0) * (d[j] ?? 0);
    const contribution = (d[i] ?? 0) * solved;
    const name = baseline.features[i] ?? String(i);
    contributions[name] = contribution;
    distanceSquared += contribution;
    if (contribution > dominant) {
      dominant = contribution;
      dominantFeature = name;
    }
  }
  return { distanceSquared, contributions, dominantFeature };
}

/**
 * D^2 threshold: for multivariate normal data D^2 follows chi-square with p degrees of freedom, so the
 * `probability` quantile (Wilson-Hilferty approximation) bounds the false-alarm rate per window.
 */
export function mahalanobisThreshold(dimensions: number, probability: number): number {
  return chiSquareQuantile(probability, dimensions);
}

function zeros(p: number): number[][] {
  return Array.from({ length: p }, () => new Array<number>(p).fill(0));
}

function at(matrix: readonly (readonly number[])[], i: number, j: number): number {
  return matrix[i]?.[j] ?? 0;
}

function addTo(matrix: number[][], i: number, j: number, value: number): void {
  const row = matrix[i];
  if (row !== undefined) row[j] = (row[j] ?? 0) + value;
}
