// The latest-value cache over a reader that counts its reads (pure logic: no Redis here; the real one is in
// rest/latest-hot-state.test.ts): what is served from memory, what is read on the request's path, what is read
// in the background, and what a failing or slow read leaves behind.
import type { LastValueEntry } from '@kiln/timeseries';
import { LatestValueCache, type LatestCacheSettings, type SignalKey } from '../src/domain/latest-cache';

const A = { assetId: 'acme/plant-1/line-1/m1', signal: 'temperature' };
const B = { assetId: 'acme/plant-1/line-1/m1', signal: 'pressure' };
const C = { assetId: 'acme/plant-1/line-1/m2', signal: 'temperature' };

/** A hot state whose values the test sets, counting the signals of every read and able to hold a read back. */
class FakeHotState {
  readonly values = new Map<string, number>();
  readonly reads: SignalKey[][] = [];
  failing = false;
  private held: (() => void)[] = [];
  holding = false;

  set(signal: SignalKey, value: number): void {
    this.values.set(`${signal.assetId}/${signal.signal}`, value);
  }

  readonly read = async (signals: readonly SignalKey[]): Promise<(LastValueEntry | undefined)[]> => {
    this.reads.push([...signals]);
    // The answer is what the hot state held when the read arrived.
    const answer = signals.map((signal): LastValueEntry | undefined => {
      const value = this.values.get(`${signal.assetId}/${signal.signal}`);
      return value === undefined
        ? undefined
        : { ...signal, timeUs: value, value, valueText: null, quality: 1 };
    });
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failing) throw new Error('Redis is away');
    return answer;
  };

  release(): void {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }
}

const settings: LatestCacheSettings = { maxAgeMs: 500, refreshAfterMs: 50, maxSignals: 1000 };
const valuesOf = (entries: readonly (LastValueEntry | undefined)[]) => entries.map((entry) => entry?.value);
/** Lets the background read (gathered for batchMs 0: the next timer) run and answer. */
const settle = async () => {
  await new Promise<void>((resolve) => setTimeout(resolve, 2));
  await new Promise<void>((resolve) => setImmediate(resolve));
};

function setup(overrides: Partial<LatestCacheSettings> = {}) {
  const hot = new FakeHotState();
  let now = 1000;
  const served = { memory: 0, read: 0 };
  const cache = new LatestValueCache(
    hot.read,
    { ...settings, ...overrides },
    {
      now: () => now,
      batchMs: 0,
      onServed: (fromMemory, read) => {
        served.memory += fromMemory;
        served.read += read;
      },
    },
  );
  return { hot, cache, served, advance: (ms: number) => void (now += ms) };
}

describe('LatestValueCache', () => {
  it('reads on the path what it does not remember, then serves it from memory until maxAge', async () => {
    const { hot, cache, served, advance } = setup();
    hot.set(A, 1);
    expect(valuesOf(await cache.get([A, B]))).toEqual([1, undefined]);
    expect(hot.reads).toEqual([[A, B]]);
    hot.set(A, 2);
    hot.set(B, 7);
    advance(40);
    // Younger than refreshAfterMs: memory alone, no read at all; "no value" is remembered too.
    expect(valuesOf(await cache.get([A, B]))).toEqual([1, undefined]);
    await settle();
    expect(hot.reads).toHaveLength(1);
    advance(461); // 501 ms since the read: older than maxAge
    expect(valuesOf(await cache.get([B, A]))).toEqual([7, 2]);
    expect(hot.reads).toEqual([
      [A, B],
      [B, A],
    ]);
    expect(served).toEqual({ memory: 2, read: 4 });
  });

  it('a request asking maxAge 0 reads the hot state now, and what it read serves the others', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    await cache.get([A]);
    hot.set(A, 2);
    advance(10);
    expect(valuesOf(await cache.get([A], 0))).toEqual([2]);
    expect(valuesOf(await cache.get([A]))).toEqual([2]);
    expect(hot.reads).toHaveLength(2);
  });

  it('serves a value past refreshAfterMs and reads it again in the background, one read for the requests gathered', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    hot.set(C, 5);
    await cache.get([A, C]);
    hot.set(A, 2);
    hot.set(C, 6);
    advance(100);
    const answers = await Promise.all([cache.get([A]), cache.get([A, C]), cache.get([C])]);
    expect(answers.map(valuesOf)).toEqual([[1], [1, 5], [5]]);
    await settle();
    // One background read of both signals, not one per request.
    expect(hot.reads).toEqual([
      [A, C],
      [A, C],
    ]);
    expect(valuesOf(await cache.get([A, C]))).toEqual([2, 6]);
    await settle();
    expect(hot.reads).toHaveLength(2);
  });

  it('does not read a signal again while its background read is under way', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    await cache.get([A]);
    advance(100);
    hot.holding = true;
    await cache.get([A]);
    await settle();
    advance(100);
    await cache.get([A]);
    await settle();
    expect(hot.reads).toHaveLength(2);
    hot.holding = false;
    hot.release();
    await settle();
    advance(100);
    await cache.get([A]);
    await settle();
    expect(hot.reads).toHaveLength(3);
  });

  it('keeps the answer of the read sent last when an older read answers after it', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    await cache.get([A]);
    advance(100);
    hot.holding = true;
    await cache.get([A]); // background read sent now, held: it will answer 1
    await settle();
    hot.holding = false;
    hot.set(A, 3);
    advance(10);
    expect(valuesOf(await cache.get([A], 0))).toEqual([3]); // sent later, answers first
    hot.release();
    await settle();
    expect(valuesOf(await cache.get([A]))).toEqual([3]);
  });

  it('when the background read fails, serves what it holds until maxAge, then reads on the path', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    await cache.get([A]);
    hot.failing = true;
    advance(100);
    expect(valuesOf(await cache.get([A]))).toEqual([1]);
    await settle();
    advance(450);
    await expect(cache.get([A])).rejects.toThrow('Redis is away');
    hot.failing = false;
    hot.set(A, 4);
    expect(valuesOf(await cache.get([A]))).toEqual([4]);
  });

  it('remembers at most maxSignals, forgetting the one read longest ago; 0 remembers none', async () => {
    const bounded = setup({ maxSignals: 2 });
    await bounded.cache.get([A]);
    bounded.advance(1);
    await bounded.cache.get([B]);
    bounded.advance(1);
    await bounded.cache.get([C]);
    expect(bounded.cache.size).toBe(2);
    await bounded.cache.get([B, C]);
    expect(bounded.hot.reads).toHaveLength(3);
    await bounded.cache.get([A]);
    expect(bounded.hot.reads).toHaveLength(4);

    const none = setup({ maxSignals: 0 });
    await none.cache.get([A]);
    await none.cache.get([A]);
    expect(none.hot.reads).toHaveLength(2);
    expect(none.cache.size).toBe(0);
  });

  it('when full, forgets at once every signal no request may be served any more (read over 60 s ago)', async () => {
    const D = { assetId: 'acme/plant-1/line-1/m3', signal: 'speed' };
    const { hot, cache, advance } = setup({ maxSignals: 3 });
    await cache.get([C, D]);
    advance(60_001);
    await cache.get([A]);
    await cache.get([B]); // full: C and D are past any maxAge a request may ask, and both go
    expect(cache.size).toBe(2);
    await cache.get([A, B]);
    expect(hot.reads).toHaveLength(3);
    await cache.get([D]);
    expect(hot.reads).toHaveLength(4);
  });

  it('an answer already given stays as it was when the signal is read again', async () => {
    const { hot, cache, advance } = setup();
    hot.set(A, 1);
    const [first] = await cache.get([A]);
    hot.set(A, 2);
    advance(10);
    await cache.get([A], 0);
    expect(first?.value).toBe(1);
    expect(valuesOf(await cache.get([A]))).toEqual([2]);
  });

  it('refuses settings that are not whole numbers >= 0, naming the setting', () => {
    const read = new FakeHotState().read;
    expect(() => new LatestValueCache(read, { ...settings, maxAgeMs: -1 })).toThrow(/maxAgeMs/);
    expect(() => new LatestValueCache(read, { ...settings, refreshAfterMs: 0.5 })).toThrow(/refreshAfterMs/);
    expect(() => new LatestValueCache(read, { ...settings, maxSignals: Number.NaN })).toThrow(/maxSignals/);
  });
});
