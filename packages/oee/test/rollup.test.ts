import { assetPathPrefix, computeOee, rollUp, rollUpByPathPrefix, type OeeInput } from '../src';
import { BREAKDOWN, RUNNING, at, expectClose, parts, plainShift, state } from './fixtures';

const SHIFT = plainShift('day', at(6), at(14));

function asset(breakdownMinutes: number, total: number, good: number, idealCycleTimeS: number): OeeInput {
  return {
    range: { fromUs: at(6), toUs: at(14) },
    states: [state(at(6), RUNNING), state(at(7), BREAKDOWN), state(at(7, breakdownMinutes), RUNNING)],
    counts: [parts(at(13), total, total - good)],
    shifts: [SHIFT],
    settings: { defaultIdealCycleTimeS: idealCycleTimeS },
  };
}

describe('rollUp', () => {
  // Press A: 60 min down, 20,000 parts at 1 s (19,000 good). Press B: none down, 5,000 parts at 4 s (all good).
  const pressA = computeOee(asset(60, 20_000, 19_000, 1));
  const pressB = computeOee(asset(0, 5_000, 5_000, 4));
  const line = rollUp([pressA, pressB]);

  it('sums times and counts', () => {
    expect(line.plannedBusyTimeS).toBe(2 * 28_800);
    expect(line.actualProductionTimeS).toBe(25_200 + 28_800);
    expect(line.totalCount).toBe(25_000);
    expect(line.goodCount).toBe(24_000);
    expect(line.idealProductionTimeS).toBe(20_000 + 20_000);
    expect(line.failureCount).toBe(1);
    expect(line.partCount).toBe(2);
  });

  it('derives the KPIs from the sums, never by averaging percentages', () => {
    expectClose(line.availability, 54_000 / 57_600);
    expectClose(line.performance, 40_000 / 54_000);
    // Quality and OEE by ideal time (a 4 s part weighs four 1 s parts): good ideal time 19,000 + 20,000 s.
    expectClose(line.quality, 39_000 / 40_000);
    expectClose(line.oee, 39_000 / 57_600);
    expect(line.rollUpBasis).toBe('ideal-time');
    // The mean of 20,000/25,200 and 20,000/28,800 would be 0.7440; the line's performance is 0.7407.
    const meanOfPerformances = ((pressA.performance ?? 0) + (pressB.performance ?? 0)) / 2;
    expect(Math.abs((line.performance ?? 0) - meanOfPerformances)).toBeGreaterThan(0.003);
  });

  it('keeps the distinct settings its parts were measured with', () => {
    expect(line.settingsUsed).toHaveLength(2);
    expect(rollUp([pressA, computeOee(asset(5, 100, 100, 1))]).settingsUsed).toHaveLength(1);
  });

  it('rolls roll-ups up again (cell to line to area)', () => {
    const again = rollUp([rollUp([pressA]), rollUp([pressB])]);
    expect(again.totals).toEqual(line.totals);
    expect(again.oee).toBe(line.oee);
  });

  it('gives no KPIs for nothing', () => {
    const empty = rollUp([]);
    expect(empty.plannedBusyTimeS).toBe(0);
    expect('oee' in empty).toBe(false);
  });

  it('groups assets by their ISA-95 path prefix', () => {
    expect(assetPathPrefix('acme/plant-1/pressing/line-2/press-04', 4)).toBe('acme/plant-1/pressing/line-2');
    const lines = rollUpByPathPrefix(
      [
        { assetId: 'acme/plant-1/pressing/line-2/press-04', result: pressA },
        { assetId: 'acme/plant-1/pressing/line-2/press-05', result: pressB },
        { assetId: 'acme/plant-1/pressing/line-3/press-01', result: pressB },
      ],
      4,
    );
    expect([...lines.keys()]).toEqual(['acme/plant-1/pressing/line-2', 'acme/plant-1/pressing/line-3']);
    expect(lines.get('acme/plant-1/pressing/line-2')?.totals).toEqual(line.totals);
  });
});
