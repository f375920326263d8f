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

/**
 * A remembered value. A read updates it in place: at a thousand requests a second the records live for minutes,
 * and one record replaced per read was one more object the young generation copied and promoted: the gateway's
 * scavenges took 2.4-3.6 ms instead of 1.0-1.6 (1,000 req/s on an idle box), and every one delays the answers.
 */
interface Remembered {
  readonly assetId: string;
  readonly signal: string;
  /** Whether the hot state held a value (the fields below) when it was read. */
  present: boolean;
  timeUs: number;
  value: number | null;
  valueText: string | null;
  quality: number;
  /** When the read that answered it was sent, on the cache's clock (ms). */
  readAtMs: number;
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

/** Share of the remembered signals forgotten at once when the memory is full (amortizes the search). */
const FORGET_SHARE = 0.1;

const entryOf = (record: Remembered): LastValueEntry | undefined =>
  record.present
    ? {
        assetId: record.assetId,
        signal: record.signal,
        timeUs: record.timeUs,
        value: record.value,
        valueText: record.valueText,
        quality: record.quality,
      }
    : undefined;

export class LatestValueCache {
  /** Asset id -> signal name -> record: two lookups, no key string built per signal and request. */
  private readonly remembered = new Map<string, Map<string, Remembered>>();
  private count = 0;
  /** Records served from memory that are due a background read. */
  private readonly due = new Set<Remembered>();
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
    return this.count;
  }

  /** The last values of the signals in order, none older than `maxAgeMs` (default: the setting) when served. */
  async get(
    signals: readonly SignalKey[],
    maxAgeMs: number = this.settings.maxAgeMs,
  ): Promise<(LastValueEntry | undefined)[]> {
    const now = this.now();
    const found: (LastValueEntry | undefined)[] = new Array<LastValueEntry | undefined>(signals.length);
    let unread: number[] | undefined;
    for (let index = 0; index < signals.length; index += 1) {
      const signal = signals[index] as SignalKey;
      const record = this.remembered.get(signal.assetId)?.get(signal.signal);
      if (record === undefined || now - record.readAtMs > maxAgeMs) {
        (unread ??= []).push(index);
        continue;
      }
      found[index] = entryOf(record);
      if (now - record.readAtMs >= this.settings.refreshAfterMs && !record.refreshing) {
        record.refreshing = true;
        this.due.add(record);
      }
    }
    if (this.due.size > 0 && !this.refreshQueued) {
      this.refreshQueued = true;
      setTimeout(() => this.refresh(), this.options.batchMs ?? DEFAULT_BATCH_MS).unref();
    }
    const read = unread?.length ?? 0;
    this.options.onServed?.(signals.length - read, read);
    if (unread === undefined) return found;
    const asked = unread.map((index) => signals[index] as SignalKey);
    const sentAt = this.now();
    const values = await this.read(asked);
    unread.forEach((index, position) => {
      const entry = values[position];
      found[index] = entry;
      this.remember(asked[position] as SignalKey, entry, sentAt);
    });
    return found;
  }

  private refresh(): void {
    this.refreshQueued = false;
    const records = [...this.due];
    this.due.clear();
    const sentAt = this.now();
    this.read(records.map(({ assetId, signal }) => ({ assetId, signal })))
      .then(
        (values) => records.forEach((record, index) => this.remember(record, values[index], sentAt)),
        // Redis away: the remembered values age past maxAge, and requests then read on their path (where a failed
        // read falls back to the database).
        () => undefined,
      )
      .finally(() => {
        for (const record of records) record.refreshing = false;
      });
  }

  /** Keeps the answer of a read sent at `readAtMs` unless a read sent later has answered already. */
  private remember(signal: SignalKey, entry: LastValueEntry | undefined, readAtMs: number): void {
    if (this.settings.maxSignals === 0) return;
    let signals = this.remembered.get(signal.assetId);
    let record = signals?.get(signal.signal);
    if (record === undefined) {
      if (this.count >= this.settings.maxSignals) {
        this.forget(readAtMs);
        signals = this.remembered.get(signal.assetId);
      }
      record = {
        assetId: signal.assetId,
        signal: signal.signal,
        present: false,
        timeUs: 0,
        value: null,
        valueText: null,
        quality: 0,
        readAtMs,
        refreshing: false,
      };
      if (signals === undefined) {
        signals = new Map();
        this.remembered.set(signal.assetId, signals);
      }
      signals.set(signal.signal, record);
      this.count += 1;
    } else if (record.readAtMs > readAtMs) {
      return;
    }
    record.readAtMs = readAtMs;
    record.present = entry !== undefined;
    if (entry !== undefined) {
      record.timeUs = entry.timeUs;
      record.value = entry.value;
      record.valueText = entry.valueText;
      record.quality = entry.quality;
    }
  }

  /**
   * Makes room: forgets what no request may be served any more (read over MAX_LATEST_AGE_MS ago), and if that
   * frees nothing, the share of the signals read longest ago (at least one).
   */
  private forget(nowMs: number): void {
    const records = [...this.remembered.values()].flatMap((signals) => [...signals.values()]);
    let gone = records.filter((record) => nowMs - record.readAtMs > MAX_LATEST_AGE_MS && !record.refreshing);
    if (gone.length === 0) {
      const oldest = records.sort((a, b) => a.readAtMs - b.readAtMs);
      gone = oldest.slice(0, Math.max(1, Math.floor(records.length * FORGET_SHARE)));
    }
    for (const record of gone) {
      const signals = this.remembered.get(record.assetId);
      if (signals?.delete(record.signal) !== true) continue;
      this.count -= 1;
      this.due.delete(record);
      if (signals.size === 0) this.remembered.delete(record.assetId);
    }
  }
}
