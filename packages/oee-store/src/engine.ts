// Which windows to (re)compute and computing them: the inputs of a stretch of windows are read from the database
// once, each window's share handed to the pure core (@kiln/oee) exactly as if read for it alone, and the results
// stored (closed windows) or kept live (open ones).
import { OeeWindowKind, type OeeResult } from '@kiln/contracts';
import {
  computeOee,
  toOeeResult,
  type OeeComputation,
  windowsFor,
  type OeeSettingsInput,
  type OeeWindow,
  type ShiftSpan,
  type TimeRange,
  type TimeZone,
  type WindowCalendar,
} from '@kiln/oee';
import { calendarFor, calendarShifts } from './calendar';
import type { ShiftCalendar } from './oee-section';
import { mergeOverlappingRanges, overlaps } from './ranges';
import type { ResultToPublish } from './result-upsert';
import type { OeeStore } from './store';
import { WindowInputs } from './window-inputs';

export interface OeeEngineOptions {
  readonly store: OeeStore;
  readonly calendars: readonly ShiftCalendar[];
  /** The wall clock of an asset's hours, days and shift calendar (its site's zone: SiteTimeZones). */
  readonly timeZoneFor: (assetId: string) => TimeZone | Promise<TimeZone>;
  /** The settings of an asset (configuration, the asset's own from the database: AssetSettings). */
  readonly settingsFor: (assetId: string) => OeeSettingsInput | Promise<OeeSettingsInput>;
}

/** Windows computed between two turns of the event loop. */
const YIELD_EVERY_WINDOWS = 50;

const windowKey = (window: OeeWindow): string => `${window.kind}:${window.startUs}:${window.ref}`;

/** The range a window is computed over: up to now while it is open. */
function computedRange(window: OeeWindow, nowUs: number): TimeRange {
  return { fromUs: window.startUs, toUs: Math.min(window.endUs, Math.max(nowUs, window.startUs + 1)) };
}

export class OeeEngine {
  constructor(private readonly options: OeeEngineOptions) {}

  /** ERP shifts where the asset has any, else the shift calendar that applies to it. */
  async shifts(assetId: string, range: TimeRange): Promise<ShiftSpan[]> {
    const { store } = this.options;
    if (await store.hasErpShifts(assetId)) return store.erpShifts(assetId, range);
    return this.calendarShifts(assetId, range, await this.timeZone(assetId));
  }

  /** The zone the asset's windows are laid out in. */
  async timeZone(assetId: string): Promise<TimeZone> {
    return this.options.timeZoneFor(assetId);
  }

  private calendarShifts(assetId: string, range: TimeRange, zone: TimeZone): ShiftSpan[] {
    const calendar = calendarFor(assetId, this.options.calendars);
    return calendar === undefined ? [] : calendarShifts(calendar, range, zone);
  }

  async calendar(assetId: string, range: TimeRange, nowUs: number): Promise<WindowCalendar> {
    const [shifts, orders, timeZone] = await Promise.all([
      this.shifts(assetId, range),
      this.options.store.orders(assetId, range),
      this.timeZone(assetId),
    ]);
    return { shifts, orders, timeZone, openOrderEndUs: nowUs };
  }

  /**
   * The windows overlapping the ranges that have started by now. The orders and ERP shifts of all ranges are read
   * at once (a batch's counts make one range each) and each range gets those overlapping it, as if read for it.
   */
  async windowsOf(assetId: string, ranges: readonly TimeRange[], nowUs: number): Promise<OeeWindow[]> {
    const clipped = mergeOverlappingRanges(ranges).map((range) => ({
      fromUs: range.fromUs,
      toUs: Math.max(range.fromUs + 1, range.toUs),
    }));
    if (clipped.length === 0) return [];
    const hull = {
      fromUs: Math.min(...clipped.map((range) => range.fromUs)),
      toUs: Math.max(...clipped.map((range) => range.toUs)),
    };
    const { store } = this.options;
    const [erpShifts, orders, timeZone] = await Promise.all([
      store.hasErpShifts(assetId).then((erp) => (erp ? store.erpShifts(assetId, hull) : undefined)),
      store.orders(assetId, hull),
      this.timeZone(assetId),
    ]);
    const windows = new Map<string, OeeWindow>();
    for (const range of clipped) {
      const calendar: WindowCalendar = {
        shifts:
          erpShifts?.filter((shift) => overlaps(shift, range)) ??
          this.calendarShifts(assetId, range, timeZone),
        orders: orders.filter((order) => overlaps(order, range)),
        timeZone,
        openOrderEndUs: nowUs,
      };
      for (const window of windowsFor(range, calendar)) {
        if (window.startUs < nowUs) windows.set(windowKey(window), window);
      }
    }
    return [...windows.values()];
  }

  /** The open windows at `nowUs`: the current hour, day, shift and running order. */
  async openWindows(assetId: string, nowUs: number): Promise<OeeWindow[]> {
    const at = { fromUs: nowUs - 1, toUs: nowUs };
    const windows = windowsFor(at, await this.calendar(assetId, at, nowUs));
    return windows.filter(
      (window) =>
        window.endUs > nowUs ||
        (window.kind === OeeWindowKind.OEE_WINDOW_KIND_ORDER && window.endUs === nowUs),
    );
  }

  /** OEE of one window (an open one up to now) from the stored inputs. */
  async compute(assetId: string, window: OeeWindow, nowUs: number, revision = 0): Promise<OeeResult> {
    const [result] = await this.computeAll(assetId, [window], nowUs, revision);
    if (result === undefined) throw new Error(`no result for window ${windowKey(window)} of "${assetId}"`);
    return result;
  }

  /**
   * OEE of many windows of an asset, in their order: the inputs of each stretch of overlapping windows are read
   * once (a handful of queries however many windows), then every window is computed from its share of them.
   */
  async computeAll(
    assetId: string,
    windows: readonly OeeWindow[],
    nowUs: number,
    revision = 0,
  ): Promise<OeeResult[]> {
    const [computations, timeZone] = await Promise.all([
      this.computeDetailed(assetId, windows, nowUs),
      this.timeZone(assetId),
    ]);
    return computations.map((computation, i) =>
      toOeeResult(computation, {
        assetId,
        timeZone,
        windowKind: windows[i]?.kind ?? OeeWindowKind.OEE_WINDOW_KIND_RANGE,
        windowRef: windows[i]?.ref ?? '',
        revision,
        computedTimeUs: nowUs,
      }),
    );
  }

  /** The core's computations behind `computeAll` (with the totals that roll-ups and stop breakdowns need). */
  async computeDetailed(
    assetId: string,
    windows: readonly OeeWindow[],
    nowUs: number,
  ): Promise<OeeComputation[]> {
    if (windows.length === 0) return [];
    const { store } = this.options;
    const erpShifts = await store.hasErpShifts(assetId);
    const ranges = windows.map((window) => computedRange(window, nowUs));
    const stretches = await Promise.all(
      mergeOverlappingRanges(ranges).map((span) => WindowInputs.load(store, assetId, span, erpShifts)),
    );
    const settings = await this.options.settingsFor(assetId);
    const timeZone = await this.timeZone(assetId);
    const computations: OeeComputation[] = [];
    for (const [i, window] of windows.entries()) {
      // Late data can touch months of windows: let the event loop serve health checks and heartbeats meanwhile.
      if (i > 0 && i % YIELD_EVERY_WINDOWS === 0) await new Promise((resolve) => setImmediate(resolve));
      const range = ranges[i] ?? computedRange(window, nowUs);
      const inputs = stretches.find((stretch) => stretch.covers(range));
      if (inputs === undefined) throw new Error(`no inputs loaded for window ${windowKey(window)}`);
      const { shiftsRange, ...share } = inputs.shareOf(range);
      computations.push(
        computeOee({
          ...share,
          // The shifts around a stop that began before the window decide where it is counted (@kiln/oee README).
          shifts: inputs.erpShifts(shiftsRange) ?? this.calendarShifts(assetId, shiftsRange, timeZone),
          settings,
        }),
      );
    }
    return computations;
  }

  /** Whether a window has ended by now; an open order's window ends at now (openOrderEndUs) and is live. */
  static isClosed(window: OeeWindow, nowUs: number): boolean {
    if (window.kind === OeeWindowKind.OEE_WINDOW_KIND_ORDER) return window.endUs < nowUs;
    return window.endUs <= nowUs;
  }

  /** Computes and upserts closed windows; returns those new or changed, for publishing. */
  async close(assetId: string, windows: readonly OeeWindow[], nowUs: number): Promise<ResultToPublish[]> {
    const closed = windows.filter((window) => OeeEngine.isClosed(window, nowUs));
    return this.options.store.upsertResults(await this.computeAll(assetId, closed, nowUs), nowUs);
  }

  /** The asset's open windows computed up to now. */
  async live(assetId: string, nowUs: number): Promise<OeeResult[]> {
    return this.computeAll(assetId, await this.openWindows(assetId, nowUs), nowUs);
  }
}
