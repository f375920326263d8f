// Groups samples per source into batches (DESIGN.md section 2: one message carries many samples of one key, and
// never exceeds 1 MiB). A batch closes when it is full or has waited `lingerMs`.
import type { ConnectorKind, Sample } from '../connectors/types';
import { estimatedBytes } from './raw-sample';

export interface BatcherOptions {
  maxSamples: number;
  /** Estimated encoded bytes per batch; far below 1 MiB leaves room for the estimate's error. */
  maxBytes: number;
  lingerMs: number;
  onBatch(sourceId: string, connector: ConnectorKind, samples: Sample[]): void;
  /**
   * onBatch threw: the batch is handed here (to be dead-lettered) instead of escaping into the linger timer,
   * where it would end the process.
   */
  onBatchFailed(sourceId: string, connector: ConnectorKind, samples: Sample[], error: unknown): void;
}

interface OpenBatch {
  connector: ConnectorKind;
  samples: Sample[];
  bytes: number;
}

export class SampleBatcher {
  private readonly open = new Map<string, OpenBatch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BatcherOptions) {}

  add(sourceId: string, connector: ConnectorKind, samples: readonly Sample[]): void {
    for (const sample of samples) {
      let batch = this.open.get(sourceId);
      const bytes = estimatedBytes(sample);
      if (
        batch &&
        (batch.samples.length >= this.options.maxSamples || batch.bytes + bytes > this.options.maxBytes)
      ) {
        this.close(sourceId, batch);
        batch = undefined;
      }
      if (!batch) {
        batch = { connector, samples: [], bytes: 0 };
        this.open.set(sourceId, batch);
      }
      batch.samples.push(sample);
      batch.bytes += bytes;
    }
    if (this.open.size > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.options.lingerMs);
    }
  }

  /** Closes every open batch now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const [sourceId, batch] of this.open) this.close(sourceId, batch);
  }

  private close(sourceId: string, batch: OpenBatch): void {
    this.open.delete(sourceId);
    if (batch.samples.length === 0) return;
    try {
      this.options.onBatch(sourceId, batch.connector, batch.samples);
    } catch (error) {
      this.options.onBatchFailed(sourceId, batch.connector, batch.samples, error);
    }
  }
}
