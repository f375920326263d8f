import {
  DEFAULT_FEATURE_WINDOWS,
  featureMatrix,
  featureNames,
  fitFeatureSpec,
  informativeSensors,
  windowSlope,
  type EngineCycle,
  type FeatureSpec,
} from '../../src/rul-model';
import { syntheticFleet } from './fixtures';

function history(values: number[]): EngineCycle[] {
  return values.map((value, i) => ({ unit: 1, cycle: i + 1, settings: [0, 0, 100], sensors: [value] }));
}

const identitySpec = (overrides: Partial<FeatureSpec> = {}): FeatureSpec => ({
  sensorIndices: [0],
  sensorMeans: [0],
  sensorScales: [1],
  meanWindows: [3],
  slopeWindows: [3],
  ewmaAlphas: [0.5],
  baselineCycles: 0,
  ...overrides,
});

describe('windowSlope', () => {
  it('is the least-squares slope of the trailing window', () => {
    expect(windowSlope([0, 0, 1, 3, 5], 4, 3)).toBeCloseTo(2, 12);
    // points (0,1) (1,2) (2,6): slope = sum(dx*dy)/sum(dx^2) = (-1*-2 + 0 + 1*3)/2 = 2.5
    expect(windowSlope([1, 2, 6], 2, 10)).toBeCloseTo(2.5, 12);
  });

  it('is zero with a single point', () => {
    expect(windowSlope([7], 0, 5)).toBe(0);
  });
});

describe('featureMatrix', () => {
  it('computes cycle, last value, trailing mean, slope and EWMA per cycle', () => {
    const rows = featureMatrix(history([2, 4, 6, 10]), identitySpec());
    expect(featureNames(identitySpec())).toEqual(['cycle', 's1.last', 's1.mean3', 's1.slope3', 's1.ewma0.5']);
    expect(Array.from(rows[0] ?? [])).toEqual([1, 2, 2, 0, 2]);
    expect(Array.from(rows[1] ?? [])).toEqual([2, 4, 3, 2, 3]);
    // cycle 4: window [4, 6, 10] mean 20/3, slope 3; ewma 0.5*10 + 0.5*(0.5*6 + 0.5*3) = 7.25
    const last = Array.from(rows[3] ?? []);
    expect(last[0]).toBe(4);
    expect(last[1]).toBe(10);
    expect(last[2]).toBeCloseTo(20 / 3, 12);
    expect(last[3]).toBeCloseTo(3, 12);
    expect(last[4]).toBeCloseTo(7.25, 12);
  });

  it('standardizes sensors with the fitted mean and scale', () => {
    const rows = featureMatrix(history([12]), identitySpec({ sensorMeans: [10], sensorScales: [4] }));
    expect(rows[0]?.[1]).toBeCloseTo(0.5, 12);
  });

  it('measures drift from the unit’s own first cycles', () => {
    const spec = identitySpec({ meanWindows: [], slopeWindows: [], ewmaAlphas: [], baselineCycles: 2 });
    const rows = featureMatrix(history([1, 3, 5, 7]), spec);
    // baseline mean(1, 3) = 2; at cycle 4 the last-2 mean is 6
    expect(rows.map((row) => row[2])).toEqual([0, 0, 2, 4]);
  });

  it('uses only past cycles: a cycle’s row is the same in a truncated history', () => {
    const fleet = syntheticFleet(2).filter((r) => r.unit === 2);
    const spec = fitFeatureSpec(fleet, { ...DEFAULT_FEATURE_WINDOWS, baselineCycles: 10 });
    const full = featureMatrix(fleet, spec);
    const truncated = featureMatrix(fleet.slice(0, 40), spec);
    expect(truncated[39]).toEqual(full[39]);
  });
});

describe('informativeSensors and fitFeatureSpec', () => {
  it('drops sensors that are constant or flip between two values', () => {
    const records = history([1, 2, 3]).map((r, i) => ({ ...r, sensors: [5, i % 2, i * 1.5] }));
    expect(informativeSensors(records, 3)).toEqual([2]);
  });

  it('keeps the drifting sensors of the synthetic fleet and standardizes them to unit variance', () => {
    const spec = fitFeatureSpec(syntheticFleet(4), DEFAULT_FEATURE_WINDOWS);
    expect(spec.sensorIndices).toContain(1);
    expect(spec.sensorIndices).toContain(2);
    expect(spec.sensorIndices).not.toContain(0);
    expect(spec.sensorScales.every((scale) => scale > 0)).toBe(true);
  });
});
