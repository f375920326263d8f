// The hot-state contract, on real Redis and on the in-memory twin.
import Redis from 'ioredis';
import { MemoryHotState, RedisHotState, type HotState, type LastValueEntry } from '../src';
import { redisUrl, SECOND, T0, uniqueSchema } from './support';

const ASSET = 'acme/plant-1/pressing/line-2/press-04';
const OTHER = 'acme/plant-1/pressing/line-2/press-05';

function sample(signal: string, timeUs: number, value: number, assetId = ASSET): LastValueEntry {
  return { assetId, signal, timeUs, value, valueText: null, quality: 1 };
}

const prefix = `${uniqueSchema('hot')}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const implementations: [string, () => HotState][] = [
  ['memory', () => new MemoryHotState()],
  [
    'Redis',
    () => new RedisHotState(redis, { keyPrefix: `${prefix}${Math.random().toString(36).slice(2)}:` }),
  ],
];

describe.each(implementations)('hot state in %s', (_name, create) => {
  let hot: HotState;

  beforeEach(() => {
    hot = create();
  });

  it('stores the last value of many signals of many assets in one call', async () => {
    const stored = await hot.setLastValues([
      sample('temperature', T0, 21.5),
      sample('pressure', T0, 180),
      { assetId: ASSET, signal: 'mode', timeUs: T0 + 7, value: null, valueText: 'AUTO', quality: 2 },
      sample('temperature', T0, 30, OTHER),
    ]);
    expect(stored).toBe(4);
    expect(await hot.getLastValue(ASSET, 'temperature')).toEqual(sample('temperature', T0, 21.5));
    expect(await hot.getLastValues(ASSET)).toEqual([
      { assetId: ASSET, signal: 'mode', timeUs: T0 + 7, value: null, valueText: 'AUTO', quality: 2 },
      sample('pressure', T0, 180),
      sample('temperature', T0, 21.5),
    ]);
    expect(await hot.getLastValue(OTHER, 'temperature')).toEqual(sample('temperature', T0, 30, OTHER));
    expect(await hot.getLastValue(ASSET, 'unknown')).toBeUndefined();
  });

  it('gives the last values of signals of several assets in the order asked, undefined where none', async () => {
    await hot.setLastValues([
      sample('temperature', T0, 21.5),
      sample('pressure', T0 + 1, 180),
      sample('temperature', T0 + 2, 30, OTHER),
    ]);
    expect(
      await hot.getLastValuesOf([
        { assetId: OTHER, signal: 'temperature' },
        { assetId: ASSET, signal: 'pressure' },
        { assetId: ASSET, signal: 'unknown' },
        { assetId: 'no/such/asset', signal: 'temperature' },
        { assetId: ASSET, signal: 'temperature' },
      ]),
    ).toEqual([
      sample('temperature', T0 + 2, 30, OTHER),
      sample('pressure', T0 + 1, 180),
      undefined,
      undefined,
      sample('temperature', T0, 21.5),
    ]);
    expect(await hot.getLastValuesOf([])).toEqual([]);
  });

  it('keeps a newer last value when an older sample arrives late', async () => {
    await hot.setLastValues([sample('temperature', T0 + 10 * SECOND, 25)]);
    expect(await hot.setLastValues([sample('temperature', T0 + 5 * SECOND, 20)])).toBe(0);
    expect((await hot.getLastValue(ASSET, 'temperature'))?.value).toBe(25);
    // Within one call too: the newest of the entries wins whatever their order.
    await hot.setLastValues([
      sample('speed', T0 + 2, 2),
      sample('speed', T0 + 1, 1),
      sample('speed', T0 + 3, 3),
      sample('speed', T0, 0),
    ]);
    expect(await hot.getLastValue(ASSET, 'speed')).toEqual(sample('speed', T0 + 3, 3));
  });

  it('keeps the microseconds of the sample time', async () => {
    await hot.setLastValues([sample('temperature', T0 + 123_456_789, 1)]);
    expect((await hot.getLastValue(ASSET, 'temperature'))?.timeUs).toBe(T0 + 123_456_789);
  });

  it('stores the current state of an asset with its since-time, newer wins', async () => {
    const running = {
      assetId: ASSET,
      state: 'RUNNING' as const,
      sinceUs: T0 + 60 * SECOND,
      reasonCode: '',
      reasonText: '',
    };
    const breakdown = {
      assetId: ASSET,
      state: 'BREAKDOWN' as const,
      sinceUs: T0,
      reasonCode: 'E12',
      reasonText: 'hydraulics',
    };
    expect(await hot.setAssetState(running)).toBe(true);
    expect(await hot.setAssetState(breakdown)).toBe(false);
    expect(await hot.getAssetState(ASSET)).toEqual(running);
    const later = { ...breakdown, sinceUs: T0 + 120 * SECOND };
    expect(await hot.setAssetState(later)).toBe(true);
    expect(await hot.getAssetStates([ASSET, OTHER])).toEqual([later, undefined]);
    expect(await hot.getAssetStates([])).toEqual([]);
  });
});

describe('hot state in Redis after the server lost its scripts', () => {
  it('loads the script again (a restarted Redis answers NOSCRIPT to its SHA)', async () => {
    const hot = new RedisHotState(redis, { keyPrefix: `${prefix}flushed:` });
    expect(await hot.setLastValues([sample('temperature', T0, 1)])).toBe(1);
    await redis.script('FLUSH');
    expect(await hot.setLastValues([sample('temperature', T0 + 1, 2), sample('speed', T0, 3, OTHER)])).toBe(
      2,
    );
    expect((await hot.getLastValue(ASSET, 'temperature'))?.value).toBe(2);
    await redis.script('FLUSH');
    expect(
      await hot.setAssetState({ assetId: ASSET, state: 'IDLE', sinceUs: T0, reasonCode: '', reasonText: '' }),
    ).toBe(true);
  });
});
