import type { EngineCycle } from './cmapss';

/** How cycle histories become feature vectors; fitted on training data, stored with the model. */
export interface FeatureSpec {
  /** 0-based indices into `EngineCycle.sensors` that carry information. */
  sensorIndices: number[];
  /** Per used sensor, training mean and standard deviation (standardization). */
  sensorMeans: number[];
  sensorScales: number[];
  /** Trailing windows, in cycles, for the mean of each sensor. */
  meanWindows: number[];
  /** Trailing windows, in cycles, for the least-squares slope of each sensor (per cycle). */
  slopeWindows: number[];
  /** Smoothing factors of exponentially weighted moving averages (higher follows faster). */
  ewmaAlphas: number[];
  /**
   * Cycles at the start of a history taken as the unit's own healthy baseline; each sensor's smoothed value
   * minus that baseline removes engine-to-engine offsets (manufacturing variation). 0 disables.
   */
  baselineCycles: number;
}

export interface FeatureWindowOptions {
  meanWindows: number[];
  slopeWindows: number[];
  ewmaAlphas: number[];
  baselineCycles: number;
  /** A sensor with fewer distinct values than this in training is treated as constant and dropped. */
  minDistinctValues: number;
}

export const DEFAULT_FEATURE_WINDOWS: FeatureWindowOptions = {
  meanWindows: [5, 10, 20, 30],
  slopeWindows: [10, 20, 30],
  ewmaAlphas: [0.1, 0.3],
  baselineCycles: 20,
  minDistinctValues: 3,
};

/**
 * Sensors worth keeping: those with at least `minDistinctValues` distinct readings. In FD001 this drops
 * sensors 1, 5, 6, 10, 16, 18 and 19, which are constant (or flip between two values) at one operating point.
 */
export function informativeSensors(records: readonly EngineCycle[], minDistinctValues: number): number[] {
  const sensorCount = records[0]?.sensors.length ?? 0;
  const kept: number[] = [];
  for (let s = 0; s < sensorCount; s++) {
    const distinct = new Set(records.map((record) => record.sensors[s]));
    if (distinct.size >= minDistinctValues) kept.push(s);
  }
  return kept;
}

export function fitFeatureSpec(records: readonly EngineCycle[], windows: FeatureWindowOptions): FeatureSpec {
  if (records.length === 0) throw new RangeError('cannot fit features on an empty training set');
  const sensorIndices = informativeSensors(records, windows.minDistinctValues);
  const sensorMeans: number[] = [];
  const sensorScales: number[] = [];
  for (const s of sensorIndices) {
    let sum = 0;
    let sumSquares = 0;
    for (const record of records) {
      const value = record.sensors[s] ?? 0;
      sum += value;
      sumSquares += value * value;
    }
    const mean = sum / records.length;
    const variance = Math.max(sumSquares / records.length - mean * mean, 0);
    sensorMeans.push(mean);
    sensorScales.push(Math.sqrt(variance) || 1);
  }
  return {
    sensorIndices,
    sensorMeans,
    sensorScales,
    meanWindows: windows.meanWindows.slice(),
    slopeWindows: windows.slopeWindows.slice(),
    ewmaAlphas: windows.ewmaAlphas.slice(),
    baselineCycles: windows.baselineCycles,
  };
}

/** Names of the feature vector's entries, in order (for inspection and tests). */
export function featureNames(spec: FeatureSpec): string[] {
  const names = ['cycle'];
  for (const s of spec.sensorIndices) {
    const sensor = `s${s + 1}`;
    names.push(`${sensor}.last`);
    for (const w of spec.meanWindows) names.push(`${sensor}.mean${w}`);
    for (const w of spec.slopeWindows) names.push(`${sensor}.slope${w}`);
    for (const a of spec.ewmaAlphas) names.push(`${sensor}.ewma${a}`);
    if (spec.baselineCycles > 0) names.push(`${sensor}.drift${spec.baselineCycles}`);
  }
  return names;
}

function windowMean(series: Float64Array, end: number, window: number): number {
  const start = Math.max(0, end - window + 1);
  let sum = 0;
  for (let i = start; i <= end; i++) sum += series[i] ?? 0;
  return sum / (end - start + 1);
}

/** Least-squares slope of the last `window` points ending at `end` (0 with a single point). */
export function windowSlope(series: ArrayLike<number>, end: number, window: number): number {
  const start = Math.max(0, end - window + 1);
  const n = end - start + 1;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  let meanY = 0;
  for (let i = start; i <= end; i++) meanY += series[i] ?? 0;
  meanY /= n;
  let covariance = 0;
  let varianceX = 0;
  for (let i = start; i <= end; i++) {
    const dx = i - start - meanX;
    covariance += dx * ((series[i] ?? 0) - meanY);
    varianceX += dx * dx;
  }
  return covariance / varianceX;
}

/**
 * Feature vectors of every cycle of one unit's history (sorted by cycle). Row t uses only cycles 0..t, so
 * the row of a cycle is the same whether the history stops there or goes on: training rows match what the
 * model sees at prediction time.
 */
export function featureMatrix(history: readonly EngineCycle[], spec: FeatureSpec): Float64Array[] {
  const n = history.length;
  const perSensor =
    1 +
    spec.meanWindows.length +
    spec.slopeWindows.length +
    spec.ewmaAlphas.length +
    (spec.baselineCycles > 0 ? 1 : 0);
  const width = 1 + spec.sensorIndices.length * perSensor;
  const rows = Array.from({ length: n }, (_, t) => {
    const row = new Float64Array(width);
    row[0] = history[t]?.cycle ?? t + 1;
    return row;
  });
  const series = new Float64Array(n);
  spec.sensorIndices.forEach((s, k) => {
    const mean = spec.sensorMeans[k] ?? 0;
    const scale = spec.sensorScales[k] ?? 1;
    for (let t = 0; t < n; t++) series[t] = ((history[t]?.sensors[s] ?? mean) - mean) / scale;
    const ewma = spec.ewmaAlphas.map(() => 0);
    let baselineSum = 0;
    const offset = 1 + k * perSensor;
    for (let t = 0; t < n; t++) {
      const row = rows[t] as Float64Array;
      const value = series[t] ?? 0;
      let column = offset;
      row[column++] = value;
      for (const w of spec.meanWindows) row[column++] = windowMean(series, t, w);
      for (const w of spec.slopeWindows) row[column++] = windowSlope(series, t, w);
      spec.ewmaAlphas.forEach((alpha, a) => {
        const smoothed = t === 0 ? value : alpha * value + (1 - alpha) * (ewma[a] ?? 0);
        ewma[a] = smoothed;
        row[column++] = smoothed;
      });
      if (spec.baselineCycles > 0) {
        if (t < spec.baselineCycles) baselineSum += value;
        const baseline = baselineSum / Math.min(t + 1, spec.baselineCycles);
        row[column++] = windowMean(series, t, spec.baselineCycles) - baseline;
      }
    }
  });
  return rows;
}
