// What the rollup refresh costs while a step runs: normalization's histogram
// kiln_normalization_rollup_refresh_duration_seconds (sum and count), read from its /metrics once a minute and at
// the ends of the window. Issue 17 asks that the time per refresh stays flat (within 2x) from the first to the
// thirtieth minute of a run at the sustained rate; a refresh that falls behind covers more minutes each run and
// grows without end.

const SUM = 'kiln_normalization_rollup_refresh_duration_seconds_sum';
const COUNT = 'kiln_normalization_rollup_refresh_duration_seconds_count';

export interface RefreshTotals {
  readonly atMs: number;
  readonly seconds: number;
  readonly runs: number;
}

/** Sum and count of the refresh histogram in a Prometheus text exposition (all label sets added); undefined if absent. */
export function refreshTotals(text: string, atMs: number): RefreshTotals | undefined {
  let seconds: number | undefined;
  let runs: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = /^[a-z_:][a-z0-9_:]*/i.exec(line)?.[0];
    if (name !== SUM && name !== COUNT) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (name === SUM) seconds = (seconds ?? 0) + value;
    else runs = (runs ?? 0) + value;
  }
  return seconds === undefined || runs === undefined ? undefined : { atMs, seconds, runs };
}

export interface RefreshInterval {
  /** Minutes since the window started, at the end of this interval. */
  readonly minute: number;
  readonly runs: number;
  /** Mean seconds per refresh in the interval; undefined when none ended in it. */
  readonly meanS: number | undefined;
}

export interface RefreshSummary {
  readonly runs: number;
  readonly meanS: number | undefined;
  readonly intervals: readonly RefreshInterval[];
  /**
   * Mean per refresh over the last fifth of the window divided by the mean over its first fifth (at least one
   * interval each); undefined for a window shorter than five intervals or without refreshes at either end.
   */
  readonly growth: number | undefined;
}

/** The refreshes between consecutive readings (readings in time order, the first at the window's start). */
export function summarizeRefreshes(readings: readonly RefreshTotals[]): RefreshSummary {
  const first = readings[0];
  const last = readings[readings.length - 1];
  if (first === undefined || last === undefined) {
    return { runs: 0, meanS: undefined, intervals: [], growth: undefined };
  }
  const intervals: RefreshInterval[] = [];
  for (let index = 1; index < readings.length; index += 1) {
    const before = readings[index - 1];
    const after = readings[index];
    if (before === undefined || after === undefined) continue;
    const runs = after.runs - before.runs;
    intervals.push({
      minute: Math.round(((after.atMs - first.atMs) / 60_000) * 10) / 10,
      runs,
      meanS: runs > 0 ? (after.seconds - before.seconds) / runs : undefined,
    });
  }
  const runs = last.runs - first.runs;
  const meanOf = (part: readonly RefreshInterval[]): number | undefined => {
    const partRuns = part.reduce((sum, one) => sum + one.runs, 0);
    if (partRuns === 0) return undefined;
    return part.reduce((sum, one) => sum + (one.meanS ?? 0) * one.runs, 0) / partRuns;
  };
  let growth: number | undefined;
  if (intervals.length >= 5) {
    const fifth = Math.max(1, Math.floor(intervals.length / 5));
    const early = meanOf(intervals.slice(0, fifth));
    const late = meanOf(intervals.slice(-fifth));
    if (early !== undefined && late !== undefined && early > 0) growth = late / early;
  }
  return { runs, meanS: runs > 0 ? (last.seconds - first.seconds) / runs : undefined, intervals, growth };
}

/** Reads the totals from the normalization processes' /metrics endpoints (added up) once a minute. */
export class RollupMeter {
  private readings: RefreshTotals[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metricsUrls: readonly string[],
    private readonly intervalMs = 60_000,
  ) {}

  /** Starts a window: the first reading now, then one per interval. */
  async start(): Promise<void> {
    this.readings = [];
    await this.read();
    this.timer = setInterval(() => void this.read(), this.intervalMs);
  }

  /** Ends the window with a last reading. */
  async stop(): Promise<RefreshSummary> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.read();
    return summarizeRefreshes(this.readings);
  }

  private async read(): Promise<void> {
    const atMs = Date.now();
    let seconds = 0;
    let runs = 0;
    for (const url of this.metricsUrls) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const totals = refreshTotals(await response.text(), atMs);
        if (totals === undefined) return;
        seconds += totals.seconds;
        runs += totals.runs;
      } catch {
        // A missed reading widens the next interval; the process may be busy or stopping.
        return;
      }
    }
    this.readings.push({ atMs, seconds, runs });
  }
}
