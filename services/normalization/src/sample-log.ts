// Rejected samples and counter resets are logged, but a misconfigured tag read every 100 ms must not flood
// the log: one line per cause per interval, with how many were suppressed. Counting is the metrics' job.
import type { CounterEvent, RejectedSample } from '@kiln/asset-model';
import type { Logger } from '@kiln/service-kit';

/** A bounded label for a rejection reason (the reason text itself carries values and names). */
export function rejectCategory(reason: string): string {
  if (reason.startsWith('the sample has neither')) return 'no-time';
  if (reason.includes('has no value')) return 'no-value';
  if (reason.includes('cannot feed')) return 'wrong-type';
  if (reason.includes('converts to')) return 'non-finite';
  if (reason.includes('machine state code')) return 'bad-state-code';
  if (reason.includes('order number')) return 'bad-order-number';
  if (reason.includes('counter reading')) return 'bad-counter-reading';
  return 'other';
}

export class SampleLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  rejected(sample: RejectedSample, category: string): void {
    const suppressed = this.shouldLog(`rejected\u0000${category}\u0000${sample.assetId}`);
    if (suppressed === undefined) return;
    this.logger.warn(
      { ...sample, category, suppressedSinceLastLog: suppressed },
      `sample rejected: ${sample.reason}`,
    );
  }

  counterReset(event: CounterEvent): void {
    const suppressed = this.shouldLog(`reset\u0000${event.assetId}\u0000${event.tag}`);
    if (suppressed === undefined) return;
    this.logger.warn(
      {
        assetId: event.assetId,
        role: event.role,
        sourceId: event.sourceId,
        tag: event.tag,
        previousRaw: event.previousRaw,
        raw: event.raw,
        timeUs: event.timeUs,
        counted: event.delta,
        suppressedSinceLastLog: suppressed,
      },
      'counter reset: it dropped without a rollover; parts made just before the reset may be missing',
    );
  }

  /** Samples of tags no rule maps; `distinctTags` is only asked for when a line is due. */
  unmapped(partition: number, samples: number, distinctTags: () => number): void {
    const suppressed = this.shouldLog(`unmapped\u0000${partition}`);
    if (suppressed === undefined) return;
    this.logger.warn(
      { partition, samples, distinctTags: distinctTags(), suppressedSinceLastLog: suppressed },
      'samples of unmapped tags: counted and listed (unmapped tags), not stored; add mapping rules for them',
    );
  }

  /** The count suppressed since the last line when a line is due now; undefined when not. */
  private shouldLog(key: string): number | undefined {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return undefined;
    }
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}
