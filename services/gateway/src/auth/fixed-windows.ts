// Counters in fixed windows per key, each opened by its key's first count, as @fastify/rate-limit's are: the
// bookkeeping of the per-credential rate limiter and of the failed-authentication count kept in memory. Memory
// stays bounded: windows that have ended are dropped as time passes, and past `maxKeys` the oldest windows are
// forgotten (those keys start afresh, which errs towards letting a request through rather than refusing one).

export interface FixedWindow {
  readonly endsAtMs: number;
  count: number;
}

export class FixedWindows {
  /** Insertion order is the order windows opened, so those that ended are at the front. */
  private readonly windows = new Map<string, FixedWindow>();

  constructor(private readonly maxKeys = 100_000) {}

  /** How many keys have a window open. */
  get size(): number {
    return this.windows.size;
  }

  /** The window of `key` open at `nowMs`; undefined when it has none. */
  current(key: string, nowMs: number): FixedWindow | undefined {
    this.dropEnded(nowMs);
    return this.windows.get(key);
  }

  /** The window of `key` open at `nowMs`, opened for `windowMs` (with a count of 0) when it has none. */
  open(key: string, nowMs: number, windowMs: number): FixedWindow {
    let window = this.current(key, nowMs);
    if (window === undefined) {
      window = { endsAtMs: nowMs + windowMs, count: 0 };
      this.windows.set(key, window);
      for (const oldest of this.windows.keys()) {
        if (this.windows.size <= this.maxKeys) break;
        this.windows.delete(oldest);
      }
    }
    return window;
  }

  private dropEnded(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAtMs > nowMs) return;
      this.windows.delete(key);
    }
  }
}
