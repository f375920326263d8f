// Remaining useful life from the trend of a health indicator (an oriented feature level, larger is worse)
// against OPERATING hours, extrapolated to its failure threshold. Weighted least squares with exponentially
// decaying weights (recent windows matter more: degradation accelerates); the interval comes from the standard
// errors of the fit (delta method). No estimate unless the slope is significantly degrading (t-test), because extrapolating
// noise gives confident nonsense.
// Caveat: window features are autocorrelated; the residual variance is inflated for lag-1 autocorrelation, and
// the remaining model error (a line or exponential through a curve) is not in the interval.

export interface TrendPoint {
  readonly opHours: number;
  /** Oriented level: larger is worse. */
  readonly value: number;
}

export interface RulParams {
  /** Model of the estimate: 'exponential' fits ln(y) (wear accelerates); linear when some y <= 0. */
  readonly model: 'exponential' | 'linear';
  /** Weight half-life in operating hours. */
  readonly halfLifeH: number;
  readonly minPoints: number;
  /** Slope / standard error needed to call the trend degrading. */
  readonly tCritical: number;
  /** Interval half-width in slope standard errors. */
  readonly intervalSigma: number;
  /** Estimates beyond this are not reported (no maintenance decision depends on them). */
  readonly maxRulH: number;
}

export interface RulFit {
  readonly estimateH: number;
  readonly lowerH: number;
  readonly upperH: number;
  readonly model: 'exponential' | 'linear';
  readonly slopeT: number;
  /** Fitted current level (oriented units). */
  readonly currentLevel: number;
}

interface LineFit {
  readonly intercept: number;
  readonly slope: number;
  readonly slopeSe: number;
  readonly interceptSe: number;
  /** Covariance of intercept and slope. */
  readonly covariance: number;
}

/** Weighted least squares y = a + b (t - tNow); a is the fitted value now. */
export function weightedLineFit(
  times: readonly number[],
  values: readonly number[],
  weights: readonly number[],
  tNow: number,
): LineFit | undefined {
  const n = times.length;
  if (n < 3) return undefined;
  let sw = 0;
  let st = 0;
  let sy = 0;
  for (let i = 0; i < n; i += 1) {
    const w = weights[i] ?? 0;
    sw += w;
    st += w * ((times[i] ?? 0) - tNow);
    sy += w * (values[i] ?? 0);
  }
  const tMean = st / sw;
  const yMean = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i += 1) {
    const w = weights[i] ?? 0;
    const dt = (times[i] ?? 0) - tNow - tMean;
    sxx += w * dt * dt;
    sxy += w * dt * ((values[i] ?? 0) - yMean);
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = yMean - slope * tMean;
  let rss = 0;
  let lagProducts = 0;
  let squares = 0;
  let previous: number | undefined;
  for (let i = 0; i < n; i += 1) {
    const r = (values[i] ?? 0) - intercept - slope * ((times[i] ?? 0) - tNow);
    rss += (weights[i] ?? 0) * r * r;
    squares += r * r;
    if (previous !== undefined) lagProducts += previous * r;
    previous = r;
  }
  // Window features are autocorrelated (thermal lag, slow load changes, curvature the line does not follow):
  // inflate the residual variance by the AR(1) factor (1 + rho) / (1 - rho), i.e. use the effective number of
  // independent observations, or the standard errors and the t-test are far too optimistic.
  const rho = squares > 0 ? Math.min(0.98, Math.max(0, lagProducts / squares)) : 0;
  const sigma2 = (rss / (n - 2)) * ((1 + rho) / (1 - rho));
  return {
    intercept,
    slope,
    slopeSe: Math.sqrt(sigma2 / sxx),
    interceptSe: Math.sqrt(sigma2 * (1 / sw + (tMean * tMean) / sxx)),
    covariance: (-sigma2 * tMean) / sxx,
  };
}

/**
 * RUL in operating hours until the fitted trend reaches `failureLevel`; undefined without a degrading trend.
 * The estimate comes from the configured model; the interval spans the statistical interval of BOTH models
 * (linear and exponential) when both see a significant trend, because which curve a wear process follows is
 * itself uncertain, and usually the larger part of the error.
 */
export function estimateRul(
  points: readonly TrendPoint[],
  failureLevel: number,
  nowOpHours: number,
  params: RulParams,
): RulFit | undefined {
  if (points.length < params.minPoints) return undefined;
  const exponentialPossible = failureLevel > 0 && points.every((p) => p.value > 0);
  const primaryModel = params.model === 'exponential' && exponentialPossible ? 'exponential' : 'linear';
  const primary = fitModel(primaryModel, points, failureLevel, nowOpHours, params);
  if (primary === undefined || primary.estimateH > params.maxRulH) return undefined;
  const otherModel =
    primaryModel === 'exponential' ? 'linear' : exponentialPossible ? 'exponential' : undefined;
  const other =
    otherModel === undefined ? undefined : fitModel(otherModel, points, failureLevel, nowOpHours, params);
  if (other === undefined) return primary;
  return {
    ...primary,
    lowerH: Math.min(primary.lowerH, other.lowerH),
    upperH: Math.min(Math.max(primary.upperH, other.upperH), params.maxRulH),
  };
}

function fitModel(
  model: 'exponential' | 'linear',
  points: readonly TrendPoint[],
  failureLevel: number,
  nowOpHours: number,
  params: RulParams,
): RulFit | undefined {
  const transform = model === 'exponential' ? Math.log : (y: number): number => y;
  const times = points.map((p) => p.opHours);
  const values = points.map((p) => transform(p.value));
  const weights = points.map((p) => 0.5 ** ((nowOpHours - p.opHours) / params.halfLifeH));
  const fit = weightedLineFit(times, values, weights, nowOpHours);
  if (fit === undefined || !(fit.slope > 0)) return undefined;
  const slopeT = fit.slopeSe > 0 ? fit.slope / fit.slopeSe : Number.POSITIVE_INFINITY;
  if (slopeT < params.tCritical) return undefined;
  const currentLevel = model === 'exponential' ? Math.exp(fit.intercept) : fit.intercept;
  const distance = transform(failureLevel) - fit.intercept;
  if (distance <= 0) return { estimateH: 0, lowerH: 0, upperH: 0, model, slopeT, currentLevel };
  const estimateH = distance / fit.slope;
  // Delta method on RUL = (threshold - a) / b: the uncertainty of the current level AND of the rate.
  const variance =
    (fit.interceptSe ** 2 + estimateH ** 2 * fit.slopeSe ** 2 + 2 * estimateH * fit.covariance) /
    fit.slope ** 2;
  const halfWidth = params.intervalSigma * Math.sqrt(Math.max(0, variance));
  const lowerH = Math.max(0, estimateH - halfWidth);
  const upperH = Math.min(estimateH + halfWidth, params.maxRulH);
  return { estimateH, lowerH, upperH, model, slopeT, currentLevel };
}
