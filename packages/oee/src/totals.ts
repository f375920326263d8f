// The additive quantities of an OEE window: times and counts that sum over time ranges and over assets.
// Every KPI is derived from them (summary.ts), so parts of a range, or the assets of a line, recombine by
// summing totals and never by averaging percentages (docs/architecture.md section 6).
import type { MachineState } from '@kiln/contracts';

/** Unplanned stop time (outside micro-stops) of one state and reason. */
export interface StopTotal {
  readonly state: MachineState;
  readonly reasonCode: string;
  readonly reasonText: string;
  readonly timeUs: number;
  /** Stops counted in this window: a stop counts where it first enters working time (README.md). */
  readonly count: number;
}

export interface OeeTotals {
  // Times in integer microseconds, so sums are exact.
  readonly calendarTimeUs: number;
  /** Outside every shift. */
  readonly unscheduledTimeUs: number;
  /** Taken out of planned busy time: breaks, PLANNED_STOP, NO_ORDER when planned. */
  readonly plannedStopTimeUs: number;
  readonly plannedBusyTimeUs: number;
  /** RUNNING inside planned busy time. */
  readonly runningTimeUs: number;
  readonly microStopTimeUs: number;
  readonly microStopCount: number;
  /** Stops at or above the micro-stop threshold inside planned busy time (OFFLINE not included). */
  readonly unplannedStopTimeUs: number;
  readonly breakdownTimeUs: number;
  readonly setupTimeUs: number;
  /** Long IDLE, STARVED, BLOCKED and (when not planned) NO_ORDER. */
  readonly otherStopTimeUs: number;
  /** OFFLINE (or no state yet) inside planned busy time. */
  readonly offlineTimeUs: number;
  /** OFFLINE (or no state yet) anywhere in the range. */
  readonly offlineCalendarTimeUs: number;
  /** Planned stops kept inside planned busy time (setting plannedStopsInAvailability). */
  readonly plannedDowntimeTimeUs: number;
  /** BREAKDOWN stops at or above the threshold: the failures of MTBF and MTTR. */
  readonly failureCount: number;
  readonly failureTimeUs: number;
  readonly unplannedStops: readonly StopTotal[];
  // Counts (prorated deltas may make them fractional).
  readonly totalCount: number;
  readonly goodCount: number;
  readonly scrapCount: number;
  // Ideal times in seconds: count x ideal cycle time of the order the parts were made under.
  readonly idealProductionTimeS: number;
  /**
   * Good parts x their ideal cycle time: the fully productive time. Over parts of different ideal cycle times
   * (two orders in a window, the machines of a line) quality is this over idealProductionTimeS (summary.ts).
   */
  readonly goodIdealTimeS: number;
  readonly startupRejectsIdealTimeS: number;
  readonly productionRejectsIdealTimeS: number;
  // Data quality, for flags.
  /** Parts counted while the asset had no state (before its first state change, or OFFLINE). */
  readonly countWithoutState: number;
  /** Parts counted outside planned busy time (outside shifts, in breaks, in planned stops). */
  readonly countOutsidePlannedTime: number;
  /** Parts with no ideal cycle time (no order value and a default of 0). */
  readonly countWithoutIdealCycleTime: number;
  /** Orders and shifts the range overlaps, sorted. */
  readonly orderIds: readonly string[];
  readonly shiftIds: readonly string[];
  /** The distinct ideal cycle times of the parts counted, ascending (0: parts without one). */
  readonly idealCycleTimesS: readonly number[];
}

export const EMPTY_TOTALS: OeeTotals = {
  calendarTimeUs: 0,
  unscheduledTimeUs: 0,
  plannedStopTimeUs: 0,
  plannedBusyTimeUs: 0,
  runningTimeUs: 0,
  microStopTimeUs: 0,
  microStopCount: 0,
  unplannedStopTimeUs: 0,
  breakdownTimeUs: 0,
  setupTimeUs: 0,
  otherStopTimeUs: 0,
  offlineTimeUs: 0,
  offlineCalendarTimeUs: 0,
  plannedDowntimeTimeUs: 0,
  failureCount: 0,
  failureTimeUs: 0,
  unplannedStops: [],
  totalCount: 0,
  goodCount: 0,
  scrapCount: 0,
  idealProductionTimeS: 0,
  goodIdealTimeS: 0,
  startupRejectsIdealTimeS: 0,
  productionRejectsIdealTimeS: 0,
  countWithoutState: 0,
  countOutsidePlannedTime: 0,
  countWithoutIdealCycleTime: 0,
  orderIds: [],
  shiftIds: [],
  idealCycleTimesS: [],
};

type NumericKey = {
  [K in keyof OeeTotals]: OeeTotals[K] extends number ? K : never;
}[keyof OeeTotals];

const NUMERIC_KEYS = (Object.keys(EMPTY_TOTALS) as (keyof OeeTotals)[]).filter(
  (key): key is NumericKey => typeof EMPTY_TOTALS[key] === 'number',
);

function stopKey(stop: Pick<StopTotal, 'state' | 'reasonCode'>): string {
  return `${stop.state}\u0000${stop.reasonCode}`;
}

/** Adds stop totals by (state, reason code); the first non-empty reason text wins. Sorted by state, reason. */
export function mergeStops(lists: readonly (readonly StopTotal[])[]): StopTotal[] {
  const byKey = new Map<string, StopTotal>();
  for (const list of lists) {
    for (const stop of list) {
      const key = stopKey(stop);
      const seen = byKey.get(key);
      byKey.set(
        key,
        seen === undefined
          ? stop
          : {
              ...seen,
              reasonText: seen.reasonText || stop.reasonText,
              timeUs: seen.timeUs + stop.timeUs,
              count: seen.count + stop.count,
            },
      );
    }
  }
  return [...byKey.values()].sort((a, b) => a.state - b.state || a.reasonCode.localeCompare(b.reasonCode));
}

function sortedUnion(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

export function sumTotals(parts: readonly OeeTotals[]): OeeTotals {
  const sums: Record<string, number> = {};
  for (const key of NUMERIC_KEYS) sums[key] = parts.reduce((sum, part) => sum + part[key], 0);
  return {
    ...EMPTY_TOTALS,
    ...(sums as Pick<OeeTotals, NumericKey>),
    unplannedStops: mergeStops(parts.map((part) => part.unplannedStops)),
    orderIds: sortedUnion(parts.map((part) => part.orderIds)),
    shiftIds: sortedUnion(parts.map((part) => part.shiftIds)),
    idealCycleTimesS: [...new Set(parts.flatMap((part) => part.idealCycleTimesS))].sort((a, b) => a - b),
  };
}
