// Hot state for dashboards and the gateway (docs/architecture.md section 7): the last value of every signal and the
// current state of every asset. Redis in production; an in-memory twin for the embedded mode and tests.
// Newer wins: samples and state changes arrive out of order across partitions and replays, so an entry
// is replaced only by one at the same or a later time.
import type { ChainableCommander, Redis } from 'ioredis';
import type { CanonicalState } from './records';

export interface LastValueEntry {
  assetId: string;
  /** Signal name within the asset. */
  signal: string;
  timeUs: number;
  value: number | null;
  valueText: string | null;
  quality: number;
}

export interface AssetStateEntry {
  assetId: string;
  state: CanonicalState;
  /** When the asset entered the state. */
  sinceUs: number;
  reasonCode: string;
  reasonText: string;
}

export interface HotState {
  /** Stores the entries that are newer than the stored ones; returns how many were stored. */
  setLastValues(entries: readonly LastValueEntry[]): Promise<number>;
  getLastValue(assetId: string, signal: string): Promise<LastValueEntry | undefined>;
  /** Every signal's last value of one asset. */
  getLastValues(assetId: string): Promise<LastValueEntry[]>;
  /** The last values of the given signals (of any assets) in order, in one round trip; undefined where none. */
  getLastValuesOf(
    signals: readonly { readonly assetId: string; readonly signal: string }[],
  ): Promise<(LastValueEntry | undefined)[]>;
  /** Stores the state when it started at or after the stored one; returns whether it was stored. */
  setAssetState(entry: AssetStateEntry): Promise<boolean>;
  getAssetState(assetId: string): Promise<AssetStateEntry | undefined>;
  /** The states of the given assets, in order; undefined where none is stored. */
  getAssetStates(assetIds: readonly string[]): Promise<(AssetStateEntry | undefined)[]>;
  close(): Promise<void>;
}

export class MemoryHotState implements HotState {
  private readonly lastValues = new Map<string, Map<string, LastValueEntry>>();
  private readonly states = new Map<string, AssetStateEntry>();

  async setLastValues(entries: readonly LastValueEntry[]): Promise<number> {
    let stored = 0;
    for (const entry of entries) {
      let signals = this.lastValues.get(entry.assetId);
      if (!signals) {
        signals = new Map();
        this.lastValues.set(entry.assetId, signals);
      }
      const current = signals.get(entry.signal);
      if (current === undefined || entry.timeUs >= current.timeUs) {
        signals.set(entry.signal, { ...entry });
        stored += 1;
      }
    }
    return stored;
  }

  async getLastValue(assetId: string, signal: string): Promise<LastValueEntry | undefined> {
    const entry = this.lastValues.get(assetId)?.get(signal);
    return entry && { ...entry };
  }

  async getLastValues(assetId: string): Promise<LastValueEntry[]> {
    return [...(this.lastValues.get(assetId)?.values() ?? [])]
      .map((entry) => ({ ...entry }))
      .sort((a, b) => a.signal.localeCompare(b.signal));
  }

  async getLastValuesOf(
    signals: readonly { readonly assetId: string; readonly signal: string }[],
  ): Promise<(LastValueEntry | undefined)[]> {
    return signals.map(({ assetId, signal }) => {
      const entry = this.lastValues.get(assetId)?.get(signal);
      return entry && { ...entry };
    });
  }

  async setAssetState(entry: AssetStateEntry): Promise<boolean> {
    const current = this.states.get(entry.assetId);
    if (current !== undefined && entry.sinceUs < current.sinceUs) return false;
    this.states.set(entry.assetId, { ...entry });
    return true;
  }

  async getAssetState(assetId: string): Promise<AssetStateEntry | undefined> {
    const entry = this.states.get(assetId);
    return entry && { ...entry };
  }

  async getAssetStates(assetIds: readonly string[]): Promise<(AssetStateEntry | undefined)[]> {
    return Promise.all(assetIds.map((assetId) => this.getAssetState(assetId)));
  }

  async close(): Promise<void> {
    this.lastValues.clear();
    this.states.clear();
  }
}

// KEYS[1]: a hash. ARGV: triples (field, time, JSON). A field is replaced only by an entry at the same or a
// later time; the time is kept in the JSON as `t`. Returns how many fields were written.
const SET_NEWER = `
local written = 0
for i = 1, #ARGV, 3 do
  local field = ARGV[i]
  local time = tonumber(ARGV[i + 1])
  local current = redis.call('HGET', KEYS[1], field)
  if (not current) or tonumber(cjson.decode(current).t) <= time then
    redis.call('HSET', KEYS[1], field, ARGV[i + 2])
    written = written + 1
  end
end
return written
`;

/** SET_NEWER as a command of the connection (ioredis defineCommand: EVALSHA, loaded on NOSCRIPT). */
interface SetNewerCommand<R> {
  kilnSetNewer(key: string, ...args: (string | number)[]): R;
}

interface StoredLastValue {
  t: number;
  v: number | null;
  s: string | null;
  q: number;
}

interface StoredState {
  t: number;
  state: CanonicalState;
  rc: string;
  rt: string;
}

export interface RedisHotStateOptions {
  /** Prefix of every key (default `kiln:`); tests use a unique one. */
  keyPrefix?: string;
}

/**
 * Keys: `<prefix>lv:<assetId>` a hash of signal name -> last value JSON; `<prefix>state` a hash of asset
 * id -> state JSON. One hash per asset keeps a dashboard's read of an asset to one HGETALL.
 */
export class RedisHotState implements HotState {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisHotStateOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'kiln:';
    // Defined on the connection given (again, if another RedisHotState shares it: the same script).
    redis.defineCommand('kilnSetNewer', { numberOfKeys: 1, lua: SET_NEWER });
  }

  private get scripts(): SetNewerCommand<Promise<unknown>> {
    return this.redis as unknown as SetNewerCommand<Promise<unknown>>;
  }

  private lastValueKey(assetId: string): string {
    return `${this.prefix}lv:${assetId}`;
  }

  private get stateKey(): string {
    return `${this.prefix}state`;
  }

  async setLastValues(entries: readonly LastValueEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const byAsset = new Map<string, (string | number)[]>();
    for (const entry of entries) {
      const stored: StoredLastValue = {
        t: entry.timeUs,
        v: entry.value,
        s: entry.valueText,
        q: entry.quality,
      };
      let args = byAsset.get(entry.assetId);
      if (!args) {
        args = [];
        byAsset.set(entry.assetId, args);
      }
      args.push(entry.signal, entry.timeUs, JSON.stringify(stored));
    }
    // One script call per asset, all in one round trip, by its SHA: ioredis loads the script where the server
    // lacks it (a restarted Redis), and the script's text no longer travels with every asset of every batch.
    const pipeline = this.redis.pipeline() as ChainableCommander & SetNewerCommand<ChainableCommander>;
    for (const [assetId, args] of byAsset) pipeline.kilnSetNewer(this.lastValueKey(assetId), ...args);
    const results = (await pipeline.exec()) ?? [];
    let written = 0;
    for (const [error, count] of results) {
      if (error) throw error;
      written += Number(count);
    }
    return written;
  }

  async getLastValue(assetId: string, signal: string): Promise<LastValueEntry | undefined> {
    const raw = await this.redis.hget(this.lastValueKey(assetId), signal);
    return raw === null ? undefined : lastValueFrom(assetId, signal, raw);
  }

  async getLastValuesOf(
    signals: readonly { readonly assetId: string; readonly signal: string }[],
  ): Promise<(LastValueEntry | undefined)[]> {
    if (signals.length === 0) return [];
    // One HMGET per asset, all in one pipeline.
    const byAsset = new Map<string, number[]>();
    signals.forEach(({ assetId }, index) => {
      const indexes = byAsset.get(assetId);
      if (indexes === undefined) byAsset.set(assetId, [index]);
      else indexes.push(index);
    });
    const pipeline = this.redis.pipeline();
    for (const [assetId, indexes] of byAsset) {
      pipeline.hmget(this.lastValueKey(assetId), ...indexes.map((index) => signals[index]?.signal ?? ''));
    }
    const results = (await pipeline.exec()) ?? [];
    const found: (LastValueEntry | undefined)[] = signals.map(() => undefined);
    let at = 0;
    for (const [assetId, indexes] of byAsset) {
      const [error, raws] = results[at] ?? [new Error('Redis answered fewer replies than asked')];
      at += 1;
      if (error) throw error;
      const values = raws as (string | null)[];
      indexes.forEach((index, position) => {
        const raw = values[position];
        const signal = signals[index]?.signal;
        if (raw !== null && raw !== undefined && signal !== undefined) {
          found[index] = lastValueFrom(assetId, signal, raw);
        }
      });
    }
    return found;
  }

  async getLastValues(assetId: string): Promise<LastValueEntry[]> {
    const all = await this.redis.hgetall(this.lastValueKey(assetId));
    return Object.entries(all)
      .map(([signal, raw]) => lastValueFrom(assetId, signal, raw))
      .sort((a, b) => a.signal.localeCompare(b.signal));
  }

  async setAssetState(entry: AssetStateEntry): Promise<boolean> {
    const stored: StoredState = {
      t: entry.sinceUs,
      state: entry.state,
      rc: entry.reasonCode,
      rt: entry.reasonText,
    };
    const written = await this.scripts.kilnSetNewer(
      this.stateKey,
      entry.assetId,
      entry.sinceUs,
      JSON.stringify(stored),
    );
    return Number(written) > 0;
  }

  async getAssetState(assetId: string): Promise<AssetStateEntry | undefined> {
    const [entry] = await this.getAssetStates([assetId]);
    return entry;
  }

  async getAssetStates(assetIds: readonly string[]): Promise<(AssetStateEntry | undefined)[]> {
    if (assetIds.length === 0) return [];
    const raws = await this.redis.hmget(this.stateKey, ...assetIds);
    return assetIds.map((assetId, index) => {
      const raw = raws[index];
      return raw === null || raw === undefined ? undefined : stateFrom(assetId, raw);
    });
  }

  /** Closes the connection this object was given. */
  async close(): Promise<void> {
    // QUIT needs an answer: while Redis is away it would wait through the reconnect attempts; drop the socket.
    if (this.redis.status !== 'ready') this.redis.disconnect();
    else await this.redis.quit();
  }
}

function lastValueFrom(assetId: string, signal: string, raw: string): LastValueEntry {
  const stored = JSON.parse(raw) as StoredLastValue;
  return { assetId, signal, timeUs: stored.t, value: stored.v, valueText: stored.s, quality: stored.q };
}

function stateFrom(assetId: string, raw: string): AssetStateEntry {
  const stored = JSON.parse(raw) as StoredState;
  return { assetId, state: stored.state, sinceUs: stored.t, reasonCode: stored.rc, reasonText: stored.rt };
}
