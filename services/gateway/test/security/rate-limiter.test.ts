// The per-credential rate limiter on its own, with a hand-moved clock: a fixed window per key opened by its first
// request, a refusal that says when to retry, keys independent, 0 turning it off, and memory that does not grow
// with keys that stopped calling.
import { FixedWindowRateLimiter, RateLimitedError } from '../../src/auth/rate-limiter';

function clock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

describe('FixedWindowRateLimiter', () => {
  it('lets max requests of a key through per window and refuses the next until the window ends', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 3, windowMs: 60_000 }, { now: time.now });
    expect([1, 2, 3].map(() => limiter.take('key:a'))).toEqual([
      { allowed: true, remaining: 2 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    time.advance(15_000);
    expect(limiter.take('key:a')).toEqual({ allowed: false, retryAfterMs: 45_000 });
    time.advance(44_999);
    expect(limiter.take('key:a')).toEqual({ allowed: false, retryAfterMs: 1 });
    time.advance(1);
    expect(limiter.take('key:a')).toEqual({ allowed: true, remaining: 2 });
  });

  it('counts each key on its own', () => {
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 1_000 }, { now: clock().now });
    expect(limiter.take('key:a').allowed).toBe(true);
    expect(limiter.take('key:a').allowed).toBe(false);
    expect(limiter.take('jwt:b').allowed).toBe(true);
  });

  it('does not count refused requests into the next window', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 2, windowMs: 1_000 }, { now: time.now });
    for (let i = 0; i < 10; i += 1) limiter.take('key:a');
    time.advance(1_000);
    expect(limiter.take('key:a')).toEqual({ allowed: true, remaining: 1 });
  });

  it('throws a RateLimitedError naming the limit and when to retry from consume', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 3, windowMs: 60_000 }, { now: time.now });
    for (let i = 0; i < 3; i += 1) limiter.consume('key:a');
    time.advance(20_500);
    let refused: unknown;
    try {
      limiter.consume('key:a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ max: 3, windowMs: 60_000, retryAfterMs: 39_500 });
    expect((refused as Error).message).toBe(
      'rate limit of 3 requests per 60 s reached for this credential; retry in 40 s',
    );
  });

  it('lets everything through with max 0 and keeps no state', () => {
    const limiter = new FixedWindowRateLimiter({ max: 0, windowMs: 1_000 }, { now: clock().now });
    for (let i = 0; i < 100; i += 1) expect(limiter.take('key:a').allowed).toBe(true);
    expect(limiter.enabled).toBe(false);
    expect(limiter.size).toBe(0);
  });

  it('drops the windows of keys whose window ended', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 5, windowMs: 1_000 }, { now: time.now });
    for (let i = 0; i < 1_000; i += 1) limiter.take(`key:${i}`);
    expect(limiter.size).toBe(1_000);
    time.advance(500);
    limiter.take('key:late');
    expect(limiter.size).toBe(1_001);
    time.advance(500);
    limiter.take('key:new');
    expect(limiter.size).toBe(2);
  });

  it('forgets the oldest windows beyond maxKeys', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter({ max: 1, windowMs: 60_000 }, { now: time.now, maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) {
      limiter.take(key);
      time.advance(1);
    }
    expect(limiter.size).toBe(3);
    // "a" was forgotten and starts afresh; "d" is still counted.
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('d').allowed).toBe(false);
  });

  it('refuses settings that cannot limit anything', () => {
    expect(() => new FixedWindowRateLimiter({ max: -1, windowMs: 1_000 })).toThrow(/rateLimit\.max/);
    expect(() => new FixedWindowRateLimiter({ max: 1, windowMs: 0 })).toThrow(/rateLimit\.windowMs/);
  });
});
