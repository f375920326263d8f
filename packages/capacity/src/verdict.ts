// Whether a step was sustained, and the sustained maximum of a run (issue 17's acceptance: stored = offered and
// the consumer lag flat). Pure: the figures are measured elsewhere.

/** Stored rows must reach this share of the offered samples: the rest is the edge of the window. */
export const STORED_SHARE = 0.98;
/** Lag growth always tolerated, in Kafka records: a few batches in flight at the window's edge. */
export const LAG_SLACK_RECORDS = 50;

export interface StepFigures {
  /** The rate asked for, samples/s. */
  readonly offeredPerS: number;
  /** Samples sent in the window, per second (whole batches: a little off the offered rate at low rates). */
  readonly sentPerS: number;
  /** Samples due but held back, too many requests or publishes being unanswered; per second. */
  readonly skippedPerS: number;
  /** Samples refused (HTTP not 202, a failed publish), per second. */
  readonly failedPerS: number;
  /** Samples sent in the window that are stored, per second of the window. */
  readonly storedPerS: number;
  /** Consumer lag of the normalization group, in records of kiln.raw.v1, at the start and end of the window. */
  readonly lagStartRecords: number;
  readonly lagEndRecords: number;
  /** Records produced to kiln.raw.v1 per second in the window: the scale a lag growth is judged against. */
  readonly producedRecordsPerS: number;
}

export interface StepVerdict {
  readonly sustained: boolean;
  /** Why not, in a few words; empty when sustained. */
  readonly why: string;
}

export function stepVerdict(step: StepFigures): StepVerdict {
  const reasons: string[] = [];
  const missing = 1 - STORED_SHARE;
  if (step.skippedPerS > missing * step.offeredPerS) reasons.push('load held back');
  if (step.failedPerS > missing * step.sentPerS) reasons.push('refused');
  if (step.storedPerS < STORED_SHARE * step.sentPerS) reasons.push('stored < sent');
  // A lag that grows by more than one second of records means normalization falls behind for good.
  const growth = step.lagEndRecords - step.lagStartRecords;
  if (growth > Math.max(LAG_SLACK_RECORDS, step.producedRecordsPerS)) reasons.push('lag grows');
  return { sustained: reasons.length === 0, why: reasons.join(', ') };
}

/** The highest offered rate of a sustained step, or undefined when no step was. */
export function sustainedMaximum(
  steps: ReadonlyArray<{ offeredPerS: number; verdict: StepVerdict }>,
): number | undefined {
  const rates = steps.filter((step) => step.verdict.sustained).map((step) => step.offeredPerS);
  return rates.length === 0 ? undefined : Math.max(...rates);
}

/** The latency step's rate: half the sustained maximum, rounded down to a thousand (at least 1000). */
export function latencyRate(maximumPerS: number): number {
  return Math.max(1000, Math.floor(maximumPerS / 2 / 1000) * 1000);
}

/** Whether to go on to the next step: stop after `maxFailedSteps` unsustained steps in a row. */
export function keepStepping(verdicts: readonly StepVerdict[], maxFailedSteps: number): boolean {
  let failedInARow = 0;
  for (const verdict of verdicts) failedInARow = verdict.sustained ? 0 : failedInARow + 1;
  return failedInARow < maxFailedSteps;
}
