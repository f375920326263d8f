// OEE for any range of an asset, whole or cut into hours, shifts, orders or days, computed on request by the
// same engine and core the OEE service uses over the same stored inputs (so a closed window read here equals the
// stored one; a range reaching past now is computed up to now); for a cell, line, area or site the times, counts and
// ideal times of its assets are summed per window and the KPIs derived from the sums (docs/architecture.md section 6: roll-ups
// never average percentages; @kiln/oee rollUp weighs parts by ideal time, so a line's OEE is its machines' good
// output time over their planned busy time). Also the live OEE of the open windows the OEE service keeps.
import { MachineState, OeeWindowKind, type OeeResult } from '@kiln/contracts';
import {
  resolveOeeSettings,
  rollUp,
  toOeeResult,
  type OeeComputation,
  type OeeRollUp,
  type OeeWindow,
} from '@kiln/oee';
import {
  AssetSettings,
  deploymentTimeZone,
  OeeEngine,
  OeeStore,
  readCalendarFile,
  SiteTimeZones,
  type LiveOee,
  type OeeSection,
} from '@kiln/oee-store';
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

/**
 * Windows one request may compute at most, all its assets together (gateway.limits.maxOeeWindows): an hour
 * granularity over a year is 8,760 for one machine. A roll-up costs each of its machines' windows: a site's
 * hourly OEE over a year took 2.3 s of CPU and 6.6 MB for 8 machines, and grew with the plant.
 */
export const MAX_WINDOWS = 10_000;

/** One window of the answer: what it covers and the core's computation (one asset's, or rolled up). */
interface Computed {
  readonly window: OeeWindow;
  readonly computation: OeeComputation | OeeRollUp;
}

const windowKey = (window: OeeWindow): string =>
  `${window.kind}:${window.startUs}:${window.endUs}:${window.ref}`;

export class OeeQueries {
  private readonly engine: OeeEngine;
  readonly settings: AssetSettings;
  readonly zones: SiteTimeZones;

  constructor(
    db: Database,
    schema: string,
    section: OeeSection,
    private readonly assets: AssetQueries,
    private readonly live: LiveOee | undefined,
    private readonly now: () => number = Date.now,
    private readonly maxWindows: number = MAX_WINDOWS,
  ) {
    const calendars = section.calendarFile === undefined ? [] : readCalendarFile(section.calendarFile);
    this.settings = new AssetSettings(db, schema, section.settings);
    this.zones = new SiteTimeZones(db, schema, deploymentTimeZone(section));
    this.engine = new OeeEngine({
      store: new OeeStore(db, schema),
      calendars,
      timeZoneFor: (assetId) => this.zones.for(assetId),
      settingsFor: (assetId) => this.settings.for(assetId),
    });
  }

  /** One result for the whole range (granularity none), else one per window of that kind, cut to the range. */
  async oee(
    principal: Principal,
    assetId: string,
    range: TimeRangeUs,
    granularity: Granularity,
  ): Promise<OeeResult[]> {
    const nowUs = this.now() * 1000;
    const computed = await this.computed(principal, assetId, range, granularity, nowUs);
    const timeZone = await this.timeZoneOf(assetId);
    return computed.map(({ window, computation }) =>
      toOeeResult(computation, {
        assetId,
        timeZone,
        windowKind: window.kind,
        windowRef: window.ref,
        revision: 0,
        computedTimeUs: nowUs,
        mixedSettings: 'omit',
      }),
    );
  }

  /** The range as one window with the unplanned stop time by state and reason behind it. */
  async losses(principal: Principal, assetId: string, range: TimeRangeUs): Promise<OeeLosses> {
    const nowUs = this.now() * 1000;
    const [whole] = await this.computed(principal, assetId, range, 'none', nowUs);
    if (whole === undefined) throw new ApiError('not-found', `${assetId} has no assets to compute OEE for`);
    const result = toOeeResult(whole.computation, {
      assetId,
      timeZone: await this.timeZoneOf(assetId),
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_RANGE,
      windowRef: '',
      revision: 0,
      computedTimeUs: nowUs,
      mixedSettings: 'omit',
    });
    const { totals } = whole.computation;
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

  /** Forgets the cached settings and site zone of a created or changed asset. */
  forget(assetId: string): void {
    this.settings.forget(assetId);
    this.zones.forget(assetId);
  }

  /**
   * The zone whose wall clock cut the windows of an asset, or a roll-up at or below a site; none for an
   * enterprise, whose sites may each keep their own.
   */
  private async timeZoneOf(assetId: string): Promise<string | undefined> {
    return assetId.includes('/') ? this.engine.timeZone(assetId) : undefined;
  }

  /** The micro-stop threshold the OEE of this asset is computed with. */
  async microStopThresholdS(assetId: string): Promise<number> {
    return resolveOeeSettings(await this.settings.for(assetId)).microStopThresholdS;
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

  /** The windows of the answer with their computations: one asset's, or its assets' rolled up per window. */
  private async computed(
    principal: Principal,
    assetId: string,
    range: TimeRangeUs,
    granularity: Granularity,
    nowUs: number,
  ): Promise<Computed[]> {
    authorizeAsset(principal, assetId, 'reader');
    const leaves = await this.assets.leavesUnder(principal, assetId);
    // Counted before each machine's windows are computed: a request past the cap costs its windows' boundaries,
    // never their computation.
    let windowsLeft = this.maxWindows;
    const take = (windows: number): void => {
      windowsLeft -= windows;
      if (windowsLeft >= 0) return;
      throw new ApiError(
        'out-of-range',
        `the ${granularity === 'none' ? 'range' : granularity} OEE of ${leaves.length} machine${leaves.length === 1 ? '' : 's'} ` +
          `over this range needs more than ${this.maxWindows} windows (windows x machines, ` +
          `gateway.limits.maxOeeWindows): ask a shorter range, a coarser granularity or a smaller part of the plant`,
        granularity === 'none' ? 'assetId' : 'granularity',
      );
    };
    if (leaves.length === 1 && leaves[0] === assetId) {
      return this.ofAsset(assetId, range, granularity, nowUs, take);
    }
    const groups = new Map<string, { window: OeeWindow; parts: (OeeComputation | OeeRollUp)[] }>();
    for (const leaf of leaves) {
      for (const { window, computation } of await this.ofAsset(leaf, range, granularity, nowUs, take)) {
        const key = windowKey(window);
        const group = groups.get(key) ?? { window, parts: [] };
        group.parts.push(computation);
        groups.set(key, group);
      }
    }
    return [...groups.values()]
      .sort((a, b) => a.window.startUs - b.window.startUs || a.window.ref.localeCompare(b.window.ref))
      .map(({ window, parts }) => ({ window, computation: rollUp(parts) }));
  }

  private async ofAsset(
    assetId: string,
    range: TimeRangeUs,
    granularity: Granularity,
    nowUs: number,
    /** Counts the windows against the request's cap (throws past it). */
    take: (windows: number) => void,
  ): Promise<Computed[]> {
    let windows: OeeWindow[];
    if (granularity === 'none') {
      windows = [
        { kind: OeeWindowKind.OEE_WINDOW_KIND_RANGE, startUs: range.fromUs, endUs: range.toUs, ref: '' },
      ];
    } else {
      const kind = KIND_OF[granularity];
      const all = (await this.engine.windowsOf(assetId, [range], nowUs)).filter(
        (window) => window.kind === kind,
      );
      if (all.length > this.maxWindows) {
        throw new ApiError(
          'out-of-range',
          `the range holds ${all.length} ${granularity} windows, more than the ${this.maxWindows} allowed`,
          'granularity',
        );
      }
      windows = all
        .map((window) => ({
          ...window,
          startUs: Math.max(window.startUs, range.fromUs),
          endUs: Math.min(window.endUs, range.toUs),
        }))
        .filter((cut) => cut.endUs > cut.startUs && cut.startUs < nowUs);
    }
    take(windows.length);
    // One read of the inputs for the whole stretch, however many windows.
    const computations = await this.engine.computeDetailed(assetId, windows, nowUs);
    return windows.flatMap((window, i) => {
      const computation = computations[i];
      return computation === undefined ? [] : [{ window, computation }];
    });
  }
}
