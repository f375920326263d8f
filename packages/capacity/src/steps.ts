// One stepped run over one channel: for each rate a warm-up, then a measured window of offered, accepted and
// stored samples, the consumer lag at both ends, CPU per process group and the probes' latency.
import { cpuBetween, readCpu, type CpuGroup, type CpuReading } from './cpu-meter';
import type { LoadGenerator } from './load/control';
import { summarize, type LatencySummary } from './percentiles';
import { RollupMeter, type RefreshSummary } from './rollup-meter';
import type { Target } from './target';
import { MemoryMeter, memoryLine, type MemorySummary } from './memory-meter';
import { keepStepping, stepVerdict, type StepVerdict } from './verdict';

export interface StepTiming {
  readonly warmupS: number;
  readonly measureS: number;
  readonly maxFailedSteps: number;
  /** How long the pipeline may take to drain a backlog before the latency step. */
  readonly drainTimeoutS: number;
  /** How long the rollup refresh may take to catch up after a drain (a minute closes 70 s after its start). */
  readonly settleTimeoutS: number;
}

export interface StepResult {
  readonly offeredPerS: number;
  readonly sentPerS: number;
  readonly acceptedPerS: number;
  readonly failedPerS: number;
  readonly skippedPerS: number;
  /** Rows inserted per second in the window (throughput, backlog included). */
  readonly storedPerS: number;
  /** Samples sent in the window that were stored by 2 s after it, per second of the window. */
  readonly windowStoredPerS: number | undefined;
  readonly lagStartRecords: number | undefined;
  readonly lagEndRecords: number | undefined;
  readonly cpu: ReadonlyMap<string, number>;
  readonly machineCpu: number;
  readonly latency: LatencySummary;
  /** The rollup refreshes that ended in the window (minute by minute), where the target refreshes any. */
  readonly rollups: RefreshSummary | undefined;
  /** RSS of each Kiln process over the window (start, each minute, end). */
  readonly memory: readonly MemorySummary[];
  /** Event-loop delay p99 over the window, where the target reports one (`kiln start`). */
  readonly eventLoopP99Ms: number | undefined;
  readonly verdict: StepVerdict;
  readonly lastError: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Told when a step's measured window starts and ends, to measure something else over the same seconds. */
export interface WindowObserver {
  started(): void;
  ended(): void;
}

interface Snapshot {
  readonly atMs: number;
  /** When the generator counted: the edge of the window in sample time. */
  readonly loadAtMs: number;
  readonly skipped: number;
  readonly accepted: number;
  readonly sent: number;
  readonly failed: number;
  readonly stored: number;
  readonly lag: { records: number; endOffsetSum: number } | undefined;
  readonly cpu: CpuReading;
}

export class StepRunner {
  constructor(
    private readonly target: Target,
    private readonly generator: LoadGenerator,
    private readonly cpuGroups: readonly CpuGroup[],
    private readonly timing: StepTiming,
    private readonly log: (line: string) => void,
  ) {}

  /** The steps in order, stopping after maxFailedSteps unsustained ones in a row. */
  async stepped(rates: readonly number[]): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const rate of rates) {
      results.push(await this.step(rate));
      if (
        !keepStepping(
          results.map((one) => one.verdict),
          this.timing.maxFailedSteps,
        )
      )
        break;
    }
    return results;
  }

  /** Pauses the load until the backlog is stored (lag 0 and no new rows for 2 s) or the drain timeout. */
  async drain(): Promise<void> {
    this.generator.setRate(0);
    const deadline = Date.now() + this.timing.drainTimeoutS * 1000;
    let previous = await this.target.storedRows();
    while (Date.now() < deadline) {
      await sleep(2000);
      const stored = await this.target.storedRows();
      const lag = await this.target.lag();
      if (stored === previous && (lag?.records ?? 0) === 0) return;
      previous = stored;
    }
    this.log(`  the backlog did not drain within ${this.timing.drainTimeoutS} s`);
  }

  /**
   * Drains, then waits until the rollup refresh has recomputed every range written (or the drain timeout): a step
   * that follows the overloaded ones would otherwise measure the database still catching up on their rollups.
   */
  async settle(): Promise<void> {
    await this.drain();
    const started = Date.now();
    const deadline = started + this.timing.settleTimeoutS * 1000;
    let pending = await this.target.pendingRollups();
    while (pending !== undefined && pending > 0 && Date.now() < deadline) {
      await sleep(2000);
      pending = await this.target.pendingRollups();
    }
    if (pending !== undefined && pending > 0) {
      this.log(`  ${pending} rollup ranges still pending after ${this.timing.settleTimeoutS} s`);
    } else if (Date.now() - started >= 2000) {
      this.log(`  rollups caught up in ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }

  async step(rate: number, window?: WindowObserver): Promise<StepResult> {
    this.log(
      `  step ${rate.toLocaleString('en-US')} samples/s: ${this.timing.warmupS} s warm-up, ${this.timing.measureS} s measured`,
    );
    this.generator.setRate(rate);
    await sleep(this.timing.warmupS * 1000);
    const meter =
      this.target.rollupMetricsUrls.length > 0 ? new RollupMeter(this.target.rollupMetricsUrls) : undefined;
    const memoryMeter = new MemoryMeter(this.target.processes);
    const start = await this.snapshot();
    await meter?.start();
    memoryMeter.start();
    window?.started();
    await sleep(this.timing.measureS * 1000);
    const end = await this.snapshot();
    const memory = memoryMeter.stop();
    const rollups = await meter?.stop();
    window?.ended();
    // Probes sent in the window but stored after it still count: wait a little for the late ones.
    await sleep(2000);
    const seconds = (end.atMs - start.atMs) / 1000;
    const perS = (a: number, b: number) => (b - a) / seconds;
    const cpu = cpuBetween(start.cpu, end.cpu);
    const lagRecordsPerS = start.lag && end.lag ? perS(start.lag.endOffsetSum, end.lag.endOffsetSum) : 0;
    const loadSeconds = (end.loadAtMs - start.loadAtMs) / 1000;
    const windowStored = await this.target.storedOfWindow(start.loadAtMs, end.loadAtMs);
    const result = {
      offeredPerS: rate,
      sentPerS: (end.sent - start.sent) / loadSeconds,
      acceptedPerS: (end.accepted - start.accepted) / loadSeconds,
      failedPerS: (end.failed - start.failed) / loadSeconds,
      skippedPerS: (end.skipped - start.skipped) / loadSeconds,
      storedPerS: perS(start.stored, end.stored),
      windowStoredPerS: windowStored === undefined ? undefined : windowStored / loadSeconds,
      lagStartRecords: start.lag?.records,
      lagEndRecords: end.lag?.records,
      cpu: cpu.groups,
      machineCpu: cpu.machine,
      latency: summarize(
        this.target.sightings(start.loadAtMs, end.loadAtMs).map((one) => one.visibleMs - one.sampleMs),
      ),
      rollups,
      memory,
      eventLoopP99Ms: this.target.eventLoopP99Ms(),
      lastError: this.generator.counts().lastError,
    };
    const verdict = stepVerdict({
      ...result,
      storedPerS: result.windowStoredPerS ?? result.storedPerS,
      lagStartRecords: result.lagStartRecords ?? 0,
      lagEndRecords: result.lagEndRecords ?? 0,
      producedRecordsPerS: lagRecordsPerS,
    });
    this.log(
      `    stored ${Math.round(result.storedPerS).toLocaleString('en-US')}/s, ` +
        `${verdict.sustained ? 'sustained' : `not sustained (${verdict.why})`}` +
        (result.eventLoopP99Ms === undefined
          ? ''
          : `, event-loop delay p99 ${result.eventLoopP99Ms.toFixed(1)} ms`),
    );
    if (rollups !== undefined && rollups.intervals.length >= 5) this.log(refreshLine(rollups));
    if (this.timing.measureS >= 300) for (const one of memory) this.log(`    ${memoryLine(one)}`);
    return { ...result, verdict };
  }

  private async snapshot(): Promise<Snapshot> {
    const [stored, lag] = await Promise.all([this.target.storedRows(), this.target.lag()]);
    const counts = this.generator.counts();
    return {
      atMs: Date.now(),
      loadAtMs: counts.atMs,
      skipped: counts.skipped,
      accepted: counts.accepted,
      sent: counts.sent,
      failed: counts.failed,
      stored,
      lag,
      cpu: readCpu(this.cpuGroups),
    };
  }
}

/** A long step's rollup refreshes minute by minute: mean seconds per refresh, and how much the last fifth grew. */
function refreshLine(rollups: RefreshSummary): string {
  const minutes = rollups.intervals
    .map((one) => `${one.minute}: ${one.meanS === undefined ? '-' : one.meanS.toFixed(2)}`)
    .join(', ');
  const growth = rollups.growth === undefined ? '-' : `${rollups.growth.toFixed(2)}x`;
  return `    rollup refresh, mean s per run by minute: ${minutes}; last fifth / first fifth ${growth}`;
}
