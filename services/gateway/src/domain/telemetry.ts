// Telemetry reads: bucketed aggregates over a range and the latest value per signal, each signal named
// `<asset id>/<signal name>` and checked against the principal's site. The number of buckets one request may
// ask for is capped.
import {
  ALL_AGGREGATES,
  HistorianQueries,
  parseBucket,
  type Aggregate,
  type Database,
  type HotState,
  type LastValueEntry,
} from '@kiln/timeseries';
import { authorizeAsset, type Principal } from '../auth/principal';
import { ApiError, invalidArgument } from '../errors';
import { checkAssetId } from './assets';
import { LatestValueCache, type LatestCacheOptions, type LatestCacheSettings } from './latest-cache';
import type { TimeRangeUs } from './range';

export interface SignalPath {
  readonly assetId: string;
  readonly name: string;
}

export interface Bucket {
  readonly startUs: number;
  readonly avg: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly last: number | null;
  readonly count: number | null;
}

export interface Series {
  readonly signal: SignalPath;
  readonly buckets: Bucket[];
}

export interface LatestValue {
  readonly signal: SignalPath;
  readonly timeUs: number;
  readonly value: number | null;
  readonly valueText: string | null;
  /** docs/architecture.md Quality enum: 1 good, 2 uncertain, 3 bad. */
  readonly quality: number;
}

export interface RangeRequest {
  readonly signals: readonly SignalPath[];
  readonly range: TimeRangeUs;
  readonly bucket: string;
  readonly aggregates?: readonly Aggregate[];
  readonly source?: 'raw' | 'rollup';
}

export const MAX_SIGNALS_PER_REQUEST = 100;
const SIGNAL_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** `acme/plant-1/line-1/press-1/temperature` -> asset id and signal name. */
export function parseSignalPath(field: string, text: string): SignalPath {
  const cut = text.lastIndexOf('/');
  const name = text.slice(cut + 1);
  if (cut <= 0 || !SIGNAL_NAME.test(name)) {
    throw invalidArgument(field, `"${text.slice(0, 80)}" is not <asset id>/<signal name>`);
  }
  return { assetId: checkAssetId(field, text.slice(0, cut)), name };
}

export const AGGREGATES = ALL_AGGREGATES;

/** Signal ids remembered at most (a signal's id never changes; ids not found are not remembered). */
const MAX_CACHED_SIGNAL_IDS = 100_000;

export class TelemetryQueries {
  private readonly historian: HistorianQueries;
  private readonly signalIdCache = new Map<string, number>();
  private readonly cache: LatestValueCache | undefined;

  constructor(
    db: Database,
    schema: string,
    private readonly maxBuckets: number,
    /** Normalization's last values; absent: latest values come from the database alone. */
    private readonly hotState?: HotState,
    /** Remembers the hot state's answers for a short while (a hot state in another process); absent: none. */
    latestCache?: { readonly settings: LatestCacheSettings; readonly options?: LatestCacheOptions },
  ) {
    this.historian = new HistorianQueries(db, { schema });
    if (hotState !== undefined && latestCache !== undefined && latestCache.settings.maxSignals > 0) {
      this.cache = new LatestValueCache(
        (signals) => hotState.getLastValuesOf(signals),
        latestCache.settings,
        latestCache.options,
      );
    }
  }

  /** `<asset id>/<name>` -> signal id of those that exist; remembered, since an id never changes. */
  private async signalIds(signals: readonly SignalPath[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const unknown: SignalPath[] = [];
    for (const signal of signals) {
      const id = this.signalIdCache.get(`${signal.assetId}/${signal.name}`);
      if (id === undefined) unknown.push(signal);
      else ids.set(`${signal.assetId}/${signal.name}`, id);
    }
    if (unknown.length === 0) return ids;
    const found = await this.historian.signalIds(unknown);
    if (this.signalIdCache.size + found.size > MAX_CACHED_SIGNAL_IDS) this.signalIdCache.clear();
    for (const [key, id] of found) {
      ids.set(key, id);
      this.signalIdCache.set(key, id);
    }
    return ids;
  }

  private checkSignals(principal: Principal, signals: readonly SignalPath[]): void {
    if (signals.length === 0) throw invalidArgument('signal', 'name at least one signal');
    if (signals.length > MAX_SIGNALS_PER_REQUEST) {
      throw invalidArgument('signal', `at most ${MAX_SIGNALS_PER_REQUEST} signals per request`);
    }
    for (const signal of signals) authorizeAsset(principal, signal.assetId, 'reader');
  }

  async range(principal: Principal, request: RangeRequest): Promise<Series[]> {
    this.checkSignals(principal, request.signals);
    let widthUs: number;
    try {
      widthUs = parseBucket(request.bucket).widthUs;
    } catch (error) {
      throw invalidArgument('bucket', error instanceof Error ? error.message : String(error));
    }
    // +1: buckets are aligned to a fixed origin, so a range may touch one more than its length holds.
    const buckets =
      (Math.ceil((request.range.toUs - request.range.fromUs) / widthUs) + 1) * request.signals.length;
    if (buckets > this.maxBuckets) {
      throw new ApiError(
        'out-of-range',
        `the request asks for ${buckets} buckets, more than the ${this.maxBuckets} allowed: use a wider bucket or a shorter range`,
        'bucket',
      );
    }
    const ids = await this.signalIds(request.signals);
    const rows = await this.historian.rangeQuery({
      signalIds: [...ids.values()],
      fromUs: request.range.fromUs,
      toUs: request.range.toUs,
      bucket: request.bucket,
      ...(request.aggregates === undefined ? {} : { aggregates: request.aggregates }),
      ...(request.source === undefined ? {} : { source: request.source }),
    });
    return request.signals.map((signal) => {
      const id = ids.get(`${signal.assetId}/${signal.name}`);
      return {
        signal,
        buckets: rows
          .filter((row) => row.signalId === id)
          .map((row) => ({
            startUs: row.bucketStartUs,
            avg: row.avg,
            min: row.min,
            max: row.max,
            last: row.last,
            count: row.count,
          })),
      };
    });
  }

  /**
   * The newest stored value of each signal, in the order asked; signals without data are left out. Normalization
   * writes a signal's last value to the hot state right after its row is stored, newer wins: the hot state answers
   * in one Redis round trip what the database answers in two queries. Signals it lacks (a flushed Redis, rows
   * written by another path) and a hot state that fails are read from the database. With the latest-value cache,
   * a hot-state answer read at most `maxAgeMs` ago (default: the cache's setting) is served from memory.
   */
  async latest(
    principal: Principal,
    signals: readonly SignalPath[],
    maxAgeMs?: number,
  ): Promise<LatestValue[]> {
    this.checkSignals(principal, signals);
    const hot = await this.hotValues(signals, maxAgeMs);
    const missing = signals.filter((_, index) => hot[index] === undefined);
    const stored = missing.length === 0 ? new Map<string, LatestValue>() : await this.storedLatest(missing);
    return signals.flatMap((signal, index) => {
      const entry = hot[index];
      if (entry !== undefined) {
        const { timeUs, value, valueText, quality } = entry;
        return [{ signal, timeUs, value, valueText, quality }];
      }
      const found = stored.get(`${signal.assetId}/${signal.name}`);
      return found === undefined ? [] : [found];
    });
  }

  private async hotValues(
    signals: readonly SignalPath[],
    maxAgeMs: number | undefined,
  ): Promise<(LastValueEntry | undefined)[]> {
    if (this.hotState === undefined) return [];
    const keys = signals.map((signal) => ({ assetId: signal.assetId, signal: signal.name }));
    try {
      return this.cache === undefined
        ? await this.hotState.getLastValuesOf(keys)
        : await this.cache.get(keys, maxAgeMs);
    } catch {
      // Redis away: the database still answers (its readiness shows the outage).
      return [];
    }
  }

  private async storedLatest(signals: readonly SignalPath[]): Promise<Map<string, LatestValue>> {
    const ids = await this.signalIds(signals);
    const byId = new Map([...ids.entries()].map(([key, id]) => [id, key]));
    const bySignal = new Map(signals.map((signal) => [`${signal.assetId}/${signal.name}`, signal]));
    const values = await this.historian.lastValues([...ids.values()]);
    const found = new Map<string, LatestValue>();
    for (const value of values) {
      const key = byId.get(value.signalId);
      const signal = key === undefined ? undefined : bySignal.get(key);
      if (key === undefined || signal === undefined) continue;
      found.set(key, {
        signal,
        timeUs: value.timeUs,
        value: value.value,
        valueText: value.valueText,
        quality: value.quality,
      });
    }
    return found;
  }
}
