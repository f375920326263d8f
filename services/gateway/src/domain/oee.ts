// OEE for any range of an asset, whole or cut into hours, shifts, orders or days, computed on request by the
// same engine and core the OEE service uses over the same stored inputs (so a closed window read here equals the
// stored one; a range reaching past now is computed up to now), and the live OEE of the open windows the OEE service keeps.
import { MachineState, OeeWindowKind, type OeeResult } from '@kiln/contracts';
import { computeOee, resolveOeeSettings, toOeeResult } from '@kiln/oee';
import {
  OeeEngine,
  OeeStore,
  settingsFor,
  readCalendarFile,
  type LiveOee,
  type OeeSection,
} from '@kiln/oee-service';
import type { Database } from '@kiln/timeseries';
import { authorizeAsset, type Principal } from '../auth/principal';
import { ApiError } from '../errors';
import type { AssetQueries } from './assets';
import type { TimeRangeUs } from './range';

export const GRANULARITIES = ['none', 'hour', 'shift', 'order', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const KIND_OF: Record<Exclude<Granularity, 'none'>, OeeWindowKind> = {
  hour: OeeWindowKind.OEE_WINDOW_KIND_HOUR,
  shift: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
  order: OeeWindowKind.OEE_WINDOW_KIND_ORDER,
  day: OeeWindowKind.OEE_WINDOW_KIND_DAY,
};

/** Stop time of one state and reason within a range; micro-stops are one entry of every state and reason. */
export interface StopTimeEntry {
  /** MACHINE_STATE_UNSPECIFIED on the micro-stop entry: the core sums micro-stops without state or reason. */
  readonly state: MachineState;
  readonly reasonCode: string;
  readonly reasonText: string;
  readonly stopTimeS: number;
  readonly stopCount: number;
  readonly microStops: boolean;
}

export interface OeeLosses {
  /** The range as one window, equal to `oee(..., 'none')` of the same range. */
  readonly result: OeeResult;
  /** Longest first. */
  readonly stops: StopTimeEntry[];
}

/** Windows one request may compute at most (an hour granularity over a year is 8,760). */
export const MAX_WINDOWS = 10_000;

export class OeeQueries {
  private readonly engine: OeeEngine;
  private readonly store: OeeStore;
  private readonly settings: OeeSection['settings'];

  constructor(
    db: Database,
    schema: string,
    section: OeeSection,
    private readonly assets: AssetQueries,
    private readonly live: LiveOee | undefined,
    private readonly now: () => number = Date.now,
  ) {
    const calendars = section.calendarFile === undefined ? [] : readCalendarFile(section.calendarFile);
    this.store = new OeeStore(db, schema);
    this.settings = section.settings;
    this.engine = new OeeEngine({
      store: this.store,
      calendars,
      utcOffsetMinutes: section.utcOffsetMinutes,
      settingsFor: (assetId) => settingsFor(assetId, section.settings),
    });
  }

  /** One result for the whole range (granularity none), else one per window of that kind, cut to the range. */
  async oee(
    principal: Principal,
    assetId: string,
    range: TimeRangeUs,
    granularity: Granularity,
  ): Promise<OeeResult[]> {
    authorizeAsset(principal, assetId, 'reader');
    await this.assets.require(principal, assetId);
    const nowUs = this.now() * 1000;
    if (granularity === 'none') {
      const result = await this.engine.compute(
        assetId,
        { kind: OeeWindowKind.OEE_WINDOW_KIND_RANGE, startUs: range.fromUs, endUs: range.toUs, ref: '' },
        nowUs,
      );
      return [result];
    }
    const kind = KIND_OF[granularity];
    const windows = (await this.engine.windowsOf(assetId, [range], nowUs)).filter(
      (window) => window.kind === kind,
    );
    if (windows.length > MAX_WINDOWS) {
      throw new ApiError(
        'out-of-range',
        `the range holds ${windows.length} ${granularity} windows, more than the ${MAX_WINDOWS} allowed`,
        'granularity',
      );
    }
    const cuts = windows
      .map((window) => ({
        ...window,
        startUs: Math.max(window.startUs, range.fromUs),
        endUs: Math.min(window.endUs, range.toUs),
      }))
      .filter((cut) => cut.endUs > cut.startUs && cut.startUs < nowUs);
    // One read of the inputs for the whole stretch, however many windows (OeeEngine.computeAll).
    return this.engine.computeAll(assetId, cuts, nowUs);
  }

  /** The OEE service's live results of the open hour, shift, order and day (absent ones left out). */
  async liveOee(principal: Principal, assetId: string): Promise<OeeResult[]> {
    authorizeAsset(principal, assetId, 'reader');
    await this.assets.require(principal, assetId);
    if (this.live === undefined) return [];
    const results: OeeResult[] = [];
    for (const kind of Object.values(KIND_OF)) {
      const result = await this.live.get(assetId, kind);
      if (result !== undefined) results.push(result);
    }
    return results;
  }

  /**
   * The range as one window with the unplanned stop time by state and reason behind it. OeeEngine.compute returns
   * only the OeeResult, so the core is called here with the inputs the engine reads for one window (OeeStore's
   * per-window queries, which the engine's batched reads equal) to keep its totals.
   */
  async losses(principal: Principal, assetId: string, range: TimeRangeUs): Promise<OeeLosses> {
    authorizeAsset(principal, assetId, 'reader');
    await this.assets.require(principal, assetId);
    const nowUs = this.now() * 1000;
    // As the engine computes a window: up to now while it is open.
    const computed = { fromUs: range.fromUs, toUs: Math.min(range.toUs, Math.max(nowUs, range.fromUs + 1)) };
    const { runStartUs } = await this.store.runAround(assetId, computed.fromUs, true);
    // The shifts around a stop that began before the range decide where it is counted (@kiln/oee README).
    const shiftsRange = {
      fromUs: Math.min(runStartUs ?? computed.fromUs, computed.fromUs),
      toUs: computed.toUs,
    };
    const [states, counts, orders, shifts] = await Promise.all([
      this.store.statesFor(assetId, computed, runStartUs),
      this.store.counts(assetId, computed),
      this.store.orders(assetId, computed),
      this.engine.shifts(assetId, shiftsRange),
    ]);
    const computation = computeOee({
      range: computed,
      states,
      counts,
      orders,
      shifts,
      settings: settingsFor(assetId, this.settings),
    });
    const result = toOeeResult(computation, {
      assetId,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_RANGE,
      windowRef: '',
      revision: 0,
      computedTimeUs: nowUs,
    });
    const { totals } = computation;
    const stops: StopTimeEntry[] = totals.unplannedStops.map((stop) => ({
      state: stop.state,
      reasonCode: stop.reasonCode,
      reasonText: stop.reasonText,
      stopTimeS: stop.timeUs / 1e6,
      stopCount: stop.count,
      microStops: false,
    }));
    if (totals.microStopCount > 0) {
      stops.push({
        state: MachineState.MACHINE_STATE_UNSPECIFIED,
        reasonCode: '',
        reasonText: '',
        stopTimeS: totals.microStopTimeUs / 1e6,
        stopCount: totals.microStopCount,
        microStops: true,
      });
    }
    return { result, stops: stops.sort((a, b) => b.stopTimeS - a.stopTimeS) };
  }

  /** The micro-stop threshold the OEE of this asset is computed with (OEE settings of the configuration). */
  microStopThresholdS(assetId: string): number {
    return resolveOeeSettings(settingsFor(assetId, this.settings)).microStopThresholdS;
  }
}
