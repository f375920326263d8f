// Latest values remembered for a short while, as an OPC UA server answers a Read with its maxAge: a value read
// from the hot state at most `maxAgeMs` ago is served from memory, and one older than `refreshAfterMs` is read
// again in the background as it is served (gathered for a few milliseconds: one read for many), so that a signal
// many clients watch is answered without a round trip to Redis on the request's path. A value older than the
// request's maxAge, or not remembered, is read on the path, as before. Pure: the reader and the clock are given.
import type { LastValueEntry } from '@kiln/timeseries';

export interface SignalKey {
  readonly assetId: string;
  readonly signal: string;
}

/** The hot state's read of many signals in one round trip, in order; undefined where it holds no value. */
export type LastValueReader = (signals: readonly SignalKey[]) => Promise<(LastValueEntry | undefined)[]>;

export interface LatestCacheSettings {
  /** How old a remembered value may be when a request does not say; 0: every request reads the hot state. */
  readonly maxAgeMs: number;
  /** A remembered value at least this old is read again in the background when it is served. */
  readonly refreshAfterMs: number;
  /** Signals remembered at most (the ones read longest ago are forgotten first); 0 remembers none. */
  readonly maxSignals: number;
}

/** The longest maxAge a request may ask for. */
export const MAX_LATEST_AGE_MS = 60_000;

interface Remembered {
  readonly entry: LastValueEntry | undefined;
  /** When the read that answered it was sent, on the cache's clock (ms). */
  readonly readAtMs: number;
  refreshing: boolean;
}

export interface LatestCacheOptions {
  /** Milliseconds of a monotonic clock (default performance.now). */
  readonly now?: () => number;
  /** Per request: signals answered from memory and signals read on the request's path. */
  readonly onServed?: (fromMemory: number, read: number) => void;
  /**
   * How long signals due a background read are gathered before one read of all of them (default 20 ms): at 1,000
   * requests a second that is one Redis round trip per 20 requests instead of one per request, each of which wakes
   * Redis and may cost the gateway its core on a busy machine.
   */
  readonly batchMs?: number;
}

const DEFAULT_BATCH_MS = 20;

const keyOf = (signal: SignalKey): string => `${signal.assetId}\n${signal.signal}`;

export class LatestValueCache {
  private readonly remembered = new Map<string, Remembered>();
  /** Signals served from memory that are due a background read, by key. */
  private readonly due = new Map<string, SignalKey>();
  private refreshQueued = false;
  private readonly now: () => number;

  constructor(
    private readonly read: LastValueReader,
    private readonly settings: LatestCacheSettings,
    private readonly options: LatestCacheOptions = {},
  ) {
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`latest value cache: ${name} must be a whole number >= 0, got ${String(value)}`);
      }
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Signals remembered now. */
  get size(): number {
    return this.remembered.size;
  }

  /** The last values of the signals in order, none older than `maxAgeMs` (default: the setting) when served. */
  async get(
    signals: readonly SignalKey[],
    maxAgeMs: number = this.settings.maxAgeMs,
  ): Promise<(LastValueEntry | undefined)[]> {
    const now = this.now();
    const found: (LastValueEntry | undefined)[] = new Array<LastValueEntry | undefined>(signals.length);
    const unread: number[] = [];
    for (let index = 0; index < signals.length; index += 1) {
      const signal = signals[index] as SignalKey;
      const key = keyOf(signal);
      const remembered = this.remembered.get(key);
      const age = remembered === undefined ? Infinity : now - remembered.readAtMs;
      if (remembered === undefined || age > maxAgeMs) {
        unread.push(index);
        continue;
      }
      found[index] = remembered.entry;
      if (age >= this.settings.refreshAfterMs && !remembered.refreshing) {
        remembered.refreshing = true;
        this.due.set(key, signal);
      }
    }
    if (this.due.size > 0 && !this.refreshQueued) {
      this.refreshQueued = true;
      setTimeout(() => this.refresh(), this.options.batchMs ?? DEFAULT_BATCH_MS).unref();
    }
    this.options.onServed?.(signals.length - unread.length, unread.length);
    if (unread.length === 0) return found;
    const asked = unread.map((index) => signals[index] as SignalKey);
    const sentAt = this.now();
    const values = await this.read(asked);
    unread.forEach((index, position) => {
      found[index] = values[position];
      this.remember(keyOf(asked[position] as SignalKey), values[position], sentAt);
    });
    return found;
  }

  private refresh(): void {
    this.refreshQueued = false;
    const keys = [...this.due.keys()];
    const signals = [...this.due.values()];
    this.due.clear();
    const sentAt = this.now();
    this.read(signals)
      .then(
        (values) => keys.forEach((key, index) => this.remember(key, values[index], sentAt)),
        // Redis away: the remembered values age past maxAge, and requests then read on their path (where a failed
        // read falls back to the database).
        () => undefined,
      )
      .finally(() => {
        for (const key of keys) {
          const remembered = this.remembered.get(key);
          if (remembered !== undefined) remembered.refreshing = false;
        }
      });
  }

  /** Keeps the answer of a read sent at `readAtMs` unless a read sent later has answered already. */
  private remember(key: string, entry: LastValueEntry | undefined, readAtMs: number): void {
    if (this.settings.maxSignals === 0) return;
    const current = this.remembered.get(key);
    if (current !== undefined) {
      if (current.readAtMs > readAtMs) return;
      // Deleted and set again: the map's order stays the order of the reads, the oldest first.
      this.remembered.delete(key);
    } else if (this.remembered.size >= this.settings.maxSignals) {
      const oldest = this.remembered.keys().next();
      if (oldest.done !== true) this.remembered.delete(oldest.value);
    }
    this.remembered.set(key, { entry, readAtMs, refreshing: false });
  }
}
