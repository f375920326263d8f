// Which windows to (re)compute and computing one: the inputs of a window are read from the database, handed to
// the pure core (@kiln/oee) and the result stored (closed windows) or kept live (open ones).
import { OeeWindowKind, type OeeResult } from '@kiln/contracts';
import {
  computeOee,
  toOeeResult,
  windowsFor,
  type OeeSettingsInput,
  type OeeWindow,
  type ShiftSpan,
  type TimeRange,
  type WindowCalendar,
} from '@kiln/oee';
import { calendarFor, calendarShifts } from './calendar';
import type { ShiftCalendar } from './config';
import type { OeeStore, ResultToPublish } from './store';

export interface OeeEngineOptions {
  readonly store: OeeStore;
  readonly calendars: readonly ShiftCalendar[];
  readonly utcOffsetMinutes: number;
  readonly settingsFor: (assetId: string) => OeeSettingsInput;
}

const windowKey = (window: OeeWindow): string => `${window.kind}:${window.startUs}:${window.ref}`;

/** Merges overlapping or touching ranges. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = [...ranges].sort((a, b) => a.fromUs - b.fromUs);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.fromUs <= last.toUs) {
      merged[merged.length - 1] = { fromUs: last.fromUs, toUs: Math.max(last.toUs, range.toUs) };
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

export class OeeEngine {
  constructor(private readonly options: OeeEngineOptions) {}

  /** ERP shifts where the asset has any, else the shift calendar that applies to it. */
  async shifts(assetId: string, range: TimeRange): Promise<ShiftSpan[]> {
    const { store, calendars, utcOffsetMinutes } = this.options;
    if (await store.hasErpShifts(assetId)) return store.erpShifts(assetId, range);
    const calendar = calendarFor(assetId, calendars);
    return calendar === undefined ? [] : calendarShifts(calendar, range, utcOffsetMinutes);
  }

  async calendar(assetId: string, range: TimeRange, nowUs: number): Promise<WindowCalendar> {
    return {
      shifts: await this.shifts(assetId, range),
      orders: await this.options.store.orders(assetId, range),
      utcOffsetMinutes: this.options.utcOffsetMinutes,
      openOrderEndUs: nowUs,
    };
  }

  /** The windows overlapping the ranges that have started by now. */
  async windowsOf(assetId: string, ranges: readonly TimeRange[], nowUs: number): Promise<OeeWindow[]> {
    const windows = new Map<string, OeeWindow>();
    for (const range of mergeRanges(ranges)) {
      const clipped = { fromUs: range.fromUs, toUs: Math.max(range.fromUs + 1, range.toUs) };
      for (const window of windowsFor(clipped, await this.calendar(assetId, clipped, nowUs))) {
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
    const { store } = this.options;
    const range = {
      fromUs: window.startUs,
      toUs: Math.min(window.endUs, Math.max(nowUs, window.startUs + 1)),
    };
    const { runStartUs } = await store.runAround(assetId, range.fromUs, true);
    const lookbackFromUs = Math.min(runStartUs ?? range.fromUs, range.fromUs);
    const result = computeOee({
      range,
      states: await store.statesFor(assetId, range, runStartUs),
      counts: await store.counts(assetId, range),
      orders: await store.orders(assetId, range),
      // The shifts around a stop that began before the window decide where it is counted (@kiln/oee README).
      shifts: await this.shifts(assetId, { fromUs: lookbackFromUs, toUs: range.toUs }),
      settings: this.options.settingsFor(assetId),
    });
    return toOeeResult(result, {
      assetId,
      windowKind: window.kind,
      windowRef: window.ref,
      revision,
      computedTimeUs: nowUs,
    });
  }

  /** Whether a window has ended by now; an open order's window ends at now (openOrderEndUs) and is live. */
  static isClosed(window: OeeWindow, nowUs: number): boolean {
    if (window.kind === OeeWindowKind.OEE_WINDOW_KIND_ORDER) return window.endUs < nowUs;
    return window.endUs <= nowUs;
  }

  /** Computes and upserts closed windows; returns those new or changed, for publishing. */
  async close(assetId: string, windows: readonly OeeWindow[], nowUs: number): Promise<ResultToPublish[]> {
    const changed: ResultToPublish[] = [];
    for (const window of windows) {
      if (!OeeEngine.isClosed(window, nowUs)) continue;
      const stored = await this.options.store.upsertResult(await this.compute(assetId, window, nowUs), nowUs);
      if (stored !== undefined) changed.push(stored);
    }
    return changed;
  }

  /** The asset's open windows computed up to now. */
  async live(assetId: string, nowUs: number): Promise<OeeResult[]> {
    const results: OeeResult[] = [];
    for (const window of await this.openWindows(assetId, nowUs)) {
      results.push(await this.compute(assetId, window, nowUs));
    }
    return results;
  }
}
