// Groups samples per source into batches (docs/architecture.md section 2: one message carries many samples of one key, and
// never exceeds 1 MiB). A batch closes when it is full or has waited `lingerMs`; a batch someone waits on to be
// durable (addDurable: a connector acknowledges its source only then) closes at the end of the current tick
// instead, so that every emit of one tick shares one entry and the acknowledgement waits for no linger.
import type { ConnectorKind, Sample } from '../connectors/types';
import { estimatedBytes } from './raw-sample';

/** Resolves once the buffer entries holding a closed batch are written; rejects when the buffer refused them. */
export type WhenDurable = () => Promise<void>;

export interface BatcherOptions {
  maxSamples: number;
  /** Estimated encoded bytes per batch; far below 1 MiB leaves room for the estimate's error. */
  maxBytes: number;
  lingerMs: number;
  /** `key` is the kiln.raw.v1 record key of the batch: its source id unless the connector chose another. */
  onBatch(sourceId: string, connector: ConnectorKind, samples: Sample[], key: string): WhenDurable;
  /**
   * onBatch threw: the batch is handed here (to be dead-lettered) instead of escaping into the linger timer,
   * where it would end the process.
   */
  onBatchFailed(sourceId: string, connector: ConnectorKind, samples: Sample[], error: unknown): WhenDurable;
}

/** What every emit that waits on one batch shares: one promise per batch, not one per emit. */
interface Waiter {
  readonly written: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newWaiter(): Waiter {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const written = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { written, resolve, reject };
}

interface OpenBatch {
  sourceId: string;
  key: string;
  connector: ConnectorKind;
  samples: Sample[];
  bytes: number;
  /** Set once an emit waits for this batch to be written (durable). */
  waiter: Waiter | undefined;
  /** Someone acknowledges its source once this batch is written: it closes at the end of the tick. */
  closeAtEndOfTick: boolean;
}

export class SampleBatcher {
  private readonly open = new Map<string, OpenBatch>();
  private timer: NodeJS.Timeout | undefined;
  private endOfTick: NodeJS.Immediate | undefined;

  constructor(private readonly options: BatcherOptions) {}

  /**
   * Batches are per record key (the source id unless given): samples of one key keep their order, and a source
   * spread over several keys (MQTT, by tag) fills several batches at once.
   */
  add(sourceId: string, connector: ConnectorKind, samples: readonly Sample[], key = sourceId): void {
    this.put(sourceId, key, connector, samples);
  }

  /**
   * Like add, and resolves once every batch holding these samples is written by the buffer (rejects when the
   * buffer refused one); the batches still linger as usual. The caller must handle the rejection.
   */
  addWatched(
    sourceId: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    key = sourceId,
  ): Promise<void> {
    return this.putWatched(sourceId, key, connector, samples, false);
  }

  /** Like addWatched, for someone who waits: those batches close at the end of the current tick, not lingering. */
  addDurable(
    sourceId: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    key = sourceId,
  ): Promise<void> {
    if (samples.length === 0) return Promise.resolve();
    const durable = this.putWatched(sourceId, key, connector, samples, true);
    this.endOfTick ??= setImmediate(() => {
      this.endOfTick = undefined;
      for (const batch of this.open.values()) if (batch.closeAtEndOfTick) this.close(batch);
    });
    return durable;
  }

  private putWatched(
    sourceId: string,
    key: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    closeAtEndOfTick: boolean,
  ): Promise<void> {
    if (samples.length === 0) return Promise.resolve();
    const written: Promise<void>[] = [];
    // Registered as each batch is first touched: a batch that fills up on the way closes with its waiter.
    this.put(sourceId, key, connector, samples, (batch) => {
      batch.closeAtEndOfTick ||= closeAtEndOfTick;
      batch.waiter ??= newWaiter();
      written.push(batch.waiter.written);
    });
    const [only] = written;
    return written.length === 1 && only !== undefined ? only : Promise.all(written).then(() => undefined);
  }

  /** Closes every open batch now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.endOfTick !== undefined) {
      clearImmediate(this.endOfTick);
      this.endOfTick = undefined;
    }
    for (const batch of this.open.values()) this.close(batch);
  }

  /** Adds the samples; `touched` is told of each batch that takes some of them, before it can close. */
  private put(
    sourceId: string,
    key: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    touched?: (batch: OpenBatch) => void,
  ): void {
    let last: OpenBatch | undefined;
    for (const sample of samples) {
      let batch = this.open.get(key);
      const bytes = estimatedBytes(sample);
      if (
        batch &&
        (batch.samples.length >= this.options.maxSamples || batch.bytes + bytes > this.options.maxBytes)
      ) {
        this.close(batch);
        batch = undefined;
      }
      if (!batch) {
        batch = {
          sourceId,
          key,
          connector,
          samples: [],
          bytes: 0,
          waiter: undefined,
          closeAtEndOfTick: false,
        };
        this.open.set(key, batch);
      }
      if (last !== batch) {
        last = batch;
        touched?.(batch);
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

  private close(batch: OpenBatch): void {
    const { sourceId, key } = batch;
    if (this.open.get(key) === batch) this.open.delete(key);
    const waiter = batch.waiter;
    batch.waiter = undefined;
    if (batch.samples.length === 0) {
      waiter?.resolve();
      return;
    }
    let whenDurable: WhenDurable;
    try {
      whenDurable = this.options.onBatch(sourceId, batch.connector, batch.samples, key);
    } catch (error) {
      try {
        whenDurable = this.options.onBatchFailed(sourceId, batch.connector, batch.samples, error);
      } catch (failure) {
        whenDurable = () => Promise.reject(failure);
      }
    }
    if (waiter === undefined) return;
    whenDurable().then(waiter.resolve, waiter.reject);
  }
}
