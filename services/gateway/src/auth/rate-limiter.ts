// Per-credential rate limiting independent of the transport (gRPC uses it; REST has @fastify/rate-limit with the
// same settings): a fixed window per key that opens with the key's first request, as @fastify/rate-limit's does,
// so that both transports behave alike (the windows, and how their memory stays bounded: fixed-windows.ts).
import { FixedWindows } from './fixed-windows';

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
  /** `limit`: what was reached, in words (default: this credential's requests per window). */
  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly retryAfterMs: number,
    limit = `rate limit of ${max} requests per ${formatSeconds(windowMs)} reached for this credential`,
  ) {
    super(`${limit}; retry in ${formatSeconds(retryAfterMs)}`);
    this.name = 'RateLimitedError';
  }
}

/** A duration as whole seconds, at least 1 (`42 s`). */
export function formatSeconds(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))} s`;
}

export class FixedWindowRateLimiter {
  private readonly windows: FixedWindows;
  private readonly now: () => number;

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
    this.windows = new FixedWindows(options.maxKeys);
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
    const window = this.windows.open(key, nowMs, this.settings.windowMs);
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
}
