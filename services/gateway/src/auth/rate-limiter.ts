// Per-credential rate limiting independent of the transport (gRPC uses it; REST has @fastify/rate-limit with the
// same settings): a fixed window per key that opens with the key's first request, as @fastify/rate-limit's does,
// so that both transports behave alike. Memory stays bounded: windows that have ended are dropped as time
// passes, and past `maxKeys` the oldest windows are forgotten (those keys start afresh, which errs towards
// letting a request through rather than refusing one).

export interface RateLimitSettings {
  /** Requests per key and window; 0 turns limiting off. */
  readonly max: number;
  readonly windowMs: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly remaining: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

/** Thrown when a key has used its requests of the window; transports map it to 429 / RESOURCE_EXHAUSTED. */
export class RateLimitedError extends Error {
  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly retryAfterMs: number,
  ) {
    super(
      `rate limit of ${max} requests per ${formatSeconds(windowMs)} reached for this credential; ` +
        `retry in ${formatSeconds(retryAfterMs)}`,
    );
    this.name = 'RateLimitedError';
  }
}

const formatSeconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))} s`;

interface Window {
  readonly endsAtMs: number;
  count: number;
}

export class FixedWindowRateLimiter {
  /** Insertion order is the order windows opened, so those that ended are at the front. */
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(
    private readonly settings: RateLimitSettings,
    options: { readonly now?: () => number; readonly maxKeys?: number } = {},
  ) {
    if (!Number.isInteger(settings.max) || settings.max < 0) {
      throw new RangeError(`rateLimit.max: expected a whole number >= 0, got ${settings.max}`);
    }
    if (!(settings.windowMs > 0)) {
      throw new RangeError(`rateLimit.windowMs: expected a positive number, got ${settings.windowMs}`);
    }
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  get enabled(): boolean {
    return this.settings.max > 0;
  }

  /** How many keys have a window open (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  /** Counts one request of `key` and says whether it may proceed. */
  take(key: string): RateDecision {
    if (!this.enabled) return { allowed: true, remaining: Number.POSITIVE_INFINITY };
    const nowMs = this.now();
    this.dropEnded(nowMs);
    let window = this.windows.get(key);
    if (window === undefined) {
      window = { endsAtMs: nowMs + this.settings.windowMs, count: 0 };
      this.windows.set(key, window);
      this.dropOldestBeyondCapacity();
    }
    if (window.count >= this.settings.max) {
      return { allowed: false, retryAfterMs: window.endsAtMs - nowMs };
    }
    window.count += 1;
    return { allowed: true, remaining: this.settings.max - window.count };
  }

  /** Like take, but throws RateLimitedError when the key is over its limit. */
  consume(key: string): void {
    const decision = this.take(key);
    if (!decision.allowed) {
      throw new RateLimitedError(this.settings.max, this.settings.windowMs, decision.retryAfterMs);
    }
  }

  private dropEnded(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAtMs > nowMs) return;
      this.windows.delete(key);
    }
  }

  private dropOldestBeyondCapacity(): void {
    for (const key of this.windows.keys()) {
      if (this.windows.size <= this.maxKeys) return;
      this.windows.delete(key);
    }
  }
}
