// Failed authentications counted per client address, before any credential is looked up: past `max` failures in
// a window the address is refused (429 / RESOURCE_EXHAUSTED) without a key lookup or a token verification, and
// from the fourth failure on each refusal is answered later and later (the slower path), so that guessing keys
// costs the guesser time and the gateway nothing. An attempt is counted before its lookup and taken back when it
// succeeds, so requests sent together cannot all slip under the limit. The count lives in Redis when one is
// configured, so every gateway replica sees the failures of the others; else in the process's memory.
import { isIPv6 } from 'node:net';
import type { Redis } from 'ioredis';
import { FixedWindows } from './fixed-windows';
import { formatSeconds, RateLimitedError } from './rate-limiter';

export interface AuthFailureSettings {
  /** Failed authentications per client address and window before the address is refused; 0 turns it off. */
  readonly max: number;
  readonly windowMs: number;
  /** Delay of the fourth failure's answer, doubled at each further one up to MAX_SLOW_DOWN_MS; 0: none. */
  readonly slowDownMs: number;
}

/** An address's failures (and attempts under way) in its window, and the time until the window ends. */
export interface FailureCount {
  readonly count: number;
  readonly resetInMs: number;
}

/** Where attempts are counted: a fixed window per address that opens with its first attempt. */
export interface FailureStore {
  /** Counts one attempt. */
  add(address: string, windowMs: number): Promise<FailureCount>;
  /** Takes back an attempt that succeeded (nothing where the window has ended). */
  remove(address: string): Promise<void>;
}

/** An attempt admitted: say how it ended. */
export interface AuthAttempt {
  /** The credential was valid: the attempt is not a failure. */
  succeeded(): Promise<void>;
  /** The credential was refused: resolves when the refusal may be answered (the slower path). */
  failed(): Promise<void>;
}

export const MAX_SLOW_DOWN_MS = 4_000;
/** The longest window: a typo of a few zeros must not refuse an address for years. */
export const MAX_FAILURE_WINDOW_MS = 86_400_000;
/** Failures answered at once before the slower path begins. */
const FREE_FAILURES = 3;

/**
 * Whom an address counts for: an IPv4 address (also written as IPv6, `::ffff:10.0.0.7`) itself, an IPv6 address
 * by its /64, the block one host is commonly given (one guesser must not get a fresh budget per address in it).
 */
export function clientOf(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** How long the answer to an address's `failures`-th failure waits. Pure. */
export function slowDownOf(failures: number, baseMs: number): number {
  if (baseMs <= 0 || failures <= FREE_FAILURES) return 0;
  return Math.min(MAX_SLOW_DOWN_MS, baseMs * 2 ** Math.min(20, failures - FREE_FAILURES - 1));
}

/** Refused before authentication: the address failed too often. Transports answer it as any rate limit. */
export class TooManyFailuresError extends RateLimitedError {
  constructor(max: number, windowMs: number, retryAfterMs: number) {
    super(
      max,
      windowMs,
      retryAfterMs,
      `too many failed authentications from this address (${max} per ${formatSeconds(windowMs)})`,
    );
    this.name = 'TooManyFailuresError';
  }
}

export class AuthFailureLimiter {
  constructor(
    private readonly store: FailureStore,
    private readonly settings: AuthFailureSettings,
  ) {
    if (!Number.isInteger(settings.max) || settings.max < 0) {
      throw new RangeError(`gateway.auth.failures.max: expected a whole number >= 0, got ${settings.max}`);
    }
    if (!(settings.windowMs > 0 && settings.windowMs <= MAX_FAILURE_WINDOW_MS)) {
      throw new RangeError(
        `gateway.auth.failures.windowMs: expected a positive number of ms up to one day, got ${settings.windowMs}`,
      );
    }
  }

  get enabled(): boolean {
    return this.settings.max > 0;
  }

  /**
   * Counts an attempt of `address` before its credential is looked up; throws TooManyFailuresError when the
   * address has `max` failures (or attempts under way) in its window.
   */
  async attempt(address: string): Promise<AuthAttempt> {
    if (!this.enabled) return NO_ATTEMPT;
    const client = clientOf(address);
    const { count, resetInMs } = await this.store.add(client, this.settings.windowMs);
    if (count > this.settings.max) {
      throw new TooManyFailuresError(this.settings.max, this.settings.windowMs, resetInMs);
    }
    const delayMs = slowDownOf(count, this.settings.slowDownMs);
    return {
      succeeded: () => this.store.remove(client),
      failed: () =>
        delayMs > 0
          ? new Promise<void>((resolve) => setTimeout(resolve, delayMs).unref())
          : Promise.resolve(),
    };
  }
}

const NO_ATTEMPT: AuthAttempt = { succeeded: async () => undefined, failed: async () => undefined };

/** Failures in this process's memory, bounded: past `maxAddresses` the oldest windows are forgotten. */
export class MemoryFailureStore implements FailureStore {
  private readonly windows: FixedWindows;

  constructor(
    private readonly options: { readonly now?: () => number; readonly maxAddresses?: number } = {},
  ) {
    this.windows = new FixedWindows(options.maxAddresses);
  }

  private get nowMs(): number {
    return (this.options.now ?? Date.now)();
  }

  async remove(address: string): Promise<void> {
    const window = this.windows.current(address, this.nowMs);
    if (window !== undefined && window.count > 0) window.count -= 1;
  }

  async add(address: string, windowMs: number): Promise<FailureCount> {
    const nowMs = this.nowMs;
    const window = this.windows.open(address, nowMs, windowMs);
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAtMs - nowMs };
  }
}

/**
 * Failures in Redis (`<prefix>authfail:<address>`, expiring with the window): shared by every replica. While Redis
 * does not answer, this process counts in its own memory: the limit holds per replica instead of failing every
 * authentication or none.
 */
export class RedisFailureStore implements FailureStore {
  private readonly fallback: FailureStore;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    options: { readonly fallback?: FailureStore } = {},
  ) {
    this.fallback = options.fallback ?? new MemoryFailureStore();
    redis.defineCommand('kilnAuthAttempt', { numberOfKeys: 1, lua: ATTEMPT });
    redis.defineCommand('kilnAuthTakeBack', { numberOfKeys: 1, lua: TAKE_BACK });
  }

  private keyOf(address: string): string {
    return `${this.keyPrefix}authfail:${address}`;
  }

  async remove(address: string): Promise<void> {
    try {
      await (this.redis as unknown as FailureCommands).kilnAuthTakeBack(this.keyOf(address));
    } catch {
      await this.fallback.remove(address);
    }
  }

  async add(address: string, windowMs: number): Promise<FailureCount> {
    try {
      const [count, ttl] = numbersOf(
        await (this.redis as unknown as FailureCommands).kilnAuthAttempt(
          this.keyOf(address),
          Math.ceil(windowMs),
        ),
      );
      return { count: count ?? 0, resetInMs: Math.max(0, ttl ?? 0) };
    } catch {
      return this.fallback.add(address, windowMs);
    }
  }
}

/** Counts an attempt; the window (the key's expiry) opens with the first one. Any Redis with scripting. */
const ATTEMPT = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

/** Decrements a count that still exists and is positive: a window that ended is not opened again without expiry. */
const TAKE_BACK = `
if (tonumber(redis.call('GET', KEYS[1]) or '0') > 0) then return redis.call('DECR', KEYS[1]) end
return 0`;

interface FailureCommands {
  kilnAuthAttempt(key: string, windowMs: number): Promise<unknown[]>;
  kilnAuthTakeBack(key: string): Promise<unknown>;
}

/** A script's reply as numbers. */
function numbersOf(reply: unknown[]): number[] {
  return reply.map((value) => {
    const number = Number(value ?? 0);
    return Number.isFinite(number) ? number : 0;
  });
}
