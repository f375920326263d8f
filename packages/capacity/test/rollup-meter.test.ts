// The rollup refresh meter's arithmetic: totals from a Prometheus exposition, the mean per refresh per interval,
// and the growth from the first fifth of a window to its last.
import { refreshTotals, summarizeRefreshes, type RefreshTotals } from '../src/rollup-meter';

const exposition = (sum: number, count: number): string =>
  [
    '# HELP kiln_normalization_rollup_refresh_duration_seconds One refresh of the pending rollup ranges.',
    '# TYPE kiln_normalization_rollup_refresh_duration_seconds histogram',
    'kiln_normalization_rollup_refresh_duration_seconds_bucket{le="0.01",service="normalization"} 0',
    `kiln_normalization_rollup_refresh_duration_seconds_sum{service="normalization"} ${sum}`,
    `kiln_normalization_rollup_refresh_duration_seconds_count{service="normalization"} ${count}`,
    'kiln_normalization_rollup_refresh_duration_seconds_summary_sum 99',
  ].join('\n');

describe('rollup meter', () => {
  it('reads the histogram sum and count, and nothing that only starts like them', () => {
    expect(refreshTotals(exposition(12.5, 4), 1000)).toEqual({ atMs: 1000, seconds: 12.5, runs: 4 });
    expect(refreshTotals('# nothing\nother_metric 3\n', 1000)).toBeUndefined();
  });

  it('gives the mean per refresh of each minute and the growth from the first fifth to the last', () => {
    // Ten minutes, four refreshes a minute; each takes 1 s for five minutes, then 3 s.
    const readings: RefreshTotals[] = [{ atMs: 0, seconds: 0, runs: 0 }];
    for (let minute = 1; minute <= 10; minute += 1) {
      const previous = readings[readings.length - 1] ?? { seconds: 0, runs: 0 };
      readings.push({
        atMs: minute * 60_000,
        seconds: previous.seconds + 4 * (minute <= 5 ? 1 : 3),
        runs: previous.runs + 4,
      });
    }
    const summary = summarizeRefreshes(readings);
    expect(summary.runs).toBe(40);
    expect(summary.meanS).toBe(2);
    expect(summary.intervals.map((one) => one.meanS)).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
    expect(summary.intervals[9]?.minute).toBe(10);
    expect(summary.growth).toBe(3);
  });

  it('has no growth for a short window or one without refreshes at an end', () => {
    const flat = (runs: number[]): RefreshTotals[] =>
      runs.map((total, minute) => ({ atMs: minute * 60_000, seconds: total, runs: total }));
    expect(summarizeRefreshes(flat([0, 1, 2])).growth).toBeUndefined();
    expect(summarizeRefreshes(flat([0, 0, 1, 2, 3, 4])).growth).toBeUndefined();
    expect(summarizeRefreshes([]).runs).toBe(0);
  });
});
