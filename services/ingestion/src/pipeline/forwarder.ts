// Sends what the store-and-forward buffer holds (sample batches for kiln.raw.v1, rejected input for kiln.dlq.v1)
// in order, and acknowledges it only once the bus has it durably. While the bus is unreachable it retries with capped backoff; the buffer keeps absorbing.
import { trace } from '@opentelemetry/api';

import type { EventBus } from '@kiln/bus';
import type { Logger } from '@kiln/service-kit';
import type { DiskBuffer } from '../buffer/disk-buffer';
import type { Entry } from '../buffer/framing';

export interface ForwarderOptions {
  buffer: DiskBuffer;
  bus: EventBus;
  logger: Logger;
  /** Entries (batches of samples) per publish call. */
  maxEntriesPerPublish: number;
  maxBytesPerPublish: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  onPublished(entries: readonly Entry[], durationMs: number): void;
  onBusState(up: boolean): void;
}

const tracer = trace.getTracer('@kiln/ingestion');

export class Forwarder {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private busUp = true;

  constructor(private readonly options: ForwarderOptions) {}

  start(): void {
    this.running ??= this.run().catch((error: unknown) => {
      this.options.logger.fatal({ err: error }, 'the forwarder stopped: samples stay in the buffer');
      throw error;
    });
  }

  /**
   * Stops sending. A publish in flight gets `graceMs` to finish; one that hangs on an unreachable bus is left
   * behind, and its entries, never acknowledged, stay in the buffer for the next run.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping.abort();
    const running = this.running?.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const { buffer } = this.options;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const entries = await buffer.read(this.options.maxEntriesPerPublish, this.options.maxBytesPerPublish);
      if (entries.length === 0) {
        await buffer.waitForData(signal);
        continue;
      }
      if (!(await this.publish(entries, signal))) return;
      // Acknowledged even while stopping: the bus has them (a closed buffer ignores it).
      await buffer.ack(entries);
    }
  }

  /** Publishes until the bus takes the entries; false when stopped first. */
  private async publish(entries: readonly Entry[], signal: AbortSignal): Promise<boolean> {
    for (let failures = 0; ; failures += 1) {
      const started = Date.now();
      try {
        // Runs of one topic, in buffer order: order per key holds on every topic.
        for (const run of runsByTopic(entries)) {
          await tracer.startActiveSpan(`${run.topic} publish`, async (span) => {
            span.setAttribute('messaging.destination.name', run.topic);
            span.setAttribute('messaging.batch.message_count', run.records.length);
            try {
              await this.options.bus.publish(run.topic, run.records);
            } finally {
              span.end();
            }
          });
        }
        this.setBusState(true);
        this.options.onPublished(entries, Date.now() - started);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.setBusState(false, error);
        const delay = Math.min(
          this.options.retry.maxDelayMs,
          this.options.retry.initialDelayMs * 2 ** failures,
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (signal.aborted) return false;
      }
    }
  }

  private setBusState(up: boolean, error?: unknown): void {
    if (up === this.busUp) return;
    this.busUp = up;
    this.options.onBusState(up);
    if (up) this.options.logger.info('the bus takes samples again; sending what was buffered');
    else
      this.options.logger.warn({ err: error }, 'cannot publish to the bus; samples are kept in the buffer');
  }
}

function runsByTopic(
  entries: readonly Entry[],
): { topic: string; records: { key: string; value: Uint8Array; headers: Record<string, string> }[] }[] {
  const runs: {
    topic: string;
    records: { key: string; value: Uint8Array; headers: Record<string, string> }[];
  }[] = [];
  for (const entry of entries) {
    let run = runs[runs.length - 1];
    if (run === undefined || run.topic !== entry.topic) {
      run = { topic: entry.topic, records: [] };
      runs.push(run);
    }
    run.records.push({ key: entry.key, value: entry.value, headers: { ...entry.headers } });
  }
  return runs;
}
