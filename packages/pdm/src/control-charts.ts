// Statistical process control on standardized feature values (z, in robust standard deviations of the
// baseline). EWMA after Roberts (1959) / Lucas & Saccucci (1990); tabular CUSUM after Page (1954), as in
// Montgomery, Introduction to Statistical Quality Control, ch. 9. Both are pure state transitions on plain
// objects, so the state serializes as JSON.

export interface EwmaParams {
  /** Smoothing weight of the newest value, 0 < lambda <= 1 (0.2 is the textbook choice for 1-sigma shifts). */
  readonly lambda: number;
  /** Width of the control limits in asymptotic EWMA standard deviations. */
  readonly limitSigma: number;
}

export interface EwmaState {
  value: number;
  count: number;
}

export interface EwmaResult {
  readonly state: EwmaState;
  readonly value: number;
  /** Control limit at this step (time-varying: the exact variance factor 1 - (1 - lambda)^(2i)). */
  readonly limit: number;
  readonly outOfControl: boolean;
}

export function initialEwma(): EwmaState {
  return { value: 0, count: 0 };
}

/** One EWMA step on a standardized value (target 0, sigma 1). */
export function ewmaStep(state: EwmaState, z: number, params: EwmaParams): EwmaResult {
  const { lambda, limitSigma } = params;
  const value = lambda * z + (1 - lambda) * state.value;
  const count = state.count + 1;
  const variance = (lambda / (2 - lambda)) * (1 - (1 - lambda) ** (2 * count));
  const limit = limitSigma * Math.sqrt(variance);
  return { state: { value, count }, value, limit, outOfControl: Math.abs(value) > limit };
}

export interface CusumParams {
  /** Reference value (allowance) in sigma, usually half the shift to detect: 0.5 for a 1-sigma shift. */
  readonly k: number;
  /** Decision interval in sigma: 5 gives an in-control ARL of about 465 (two-sided) with k = 0.5. */
  readonly h: number;
  /** 'upper' watches increases only, 'two-sided' both directions. */
  readonly sides: 'upper' | 'lower' | 'two-sided';
}

export interface CusumState {
  upper: number;
  lower: number;
}

export interface CusumResult {
  readonly state: CusumState;
  readonly outOfControl: boolean;
  /** max(C+, C-) / h: 1 or more means out of control. */
  readonly score: number;
}

export function initialCusum(): CusumState {
  return { upper: 0, lower: 0 };
}

export function cusumStep(state: CusumState, z: number, params: CusumParams): CusumResult {
  const upper = params.sides === 'lower' ? 0 : Math.max(0, state.upper + z - params.k);
  const lower = params.sides === 'upper' ? 0 : Math.max(0, state.lower - z - params.k);
  const score = Math.max(upper, lower) / params.h;
  return { state: { upper, lower }, outOfControl: score > 1, score };
}
