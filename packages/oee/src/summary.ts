// Derives every reported figure of an OEE window from its additive totals. Durations are reported in seconds
// (float); the totals keep integer microseconds.
import type { MachineState } from '@kiln/contracts';
import type { OeeTotals } from './totals';

const US_PER_S = 1_000_000;
/** Performance is flagged above 1 + this (floating-point noise is not a wrong ideal cycle time). */
const PERFORMANCE_TOLERANCE = 1e-9;

/** Seconds lost to each of the six big losses (README.md gives the formulas). */
export interface SixBigLossesS {
  readonly breakdownS: number;
  readonly setupAdjustmentS: number;
  readonly smallStopsS: number;
  /** APT - ideal production time - small stops: negative when performance is above 1. */
  readonly reducedSpeedS: number;
  readonly startupRejectsS: number;
  readonly productionRejectsS: number;
}

/** Availability losses that are none of the six: they close the balance PBT - fully productive time. */
export interface OtherLossesS {
  /** Long IDLE, STARVED, BLOCKED and (when not planned) NO_ORDER. */
  readonly otherStopsS: number;
  /** OFFLINE inside planned busy time. */
  readonly offlineS: number;
  /** Planned stops kept inside planned busy time (setting plannedStopsInAvailability). */
  readonly plannedDowntimeS: number;
}

export interface OeeFlags {
  /** Performance above 1: the ideal cycle time is likely wrong. Flagged, never clamped (ISO 22400-2). */
  readonly performanceAboveOne: boolean;
  /** No planned busy time in the range: availability, performance, OEE and TEEP are absent. */
  readonly noPlannedTime: boolean;
  /** Parts counted while the asset had no state (before its first state change, or OFFLINE). */
  readonly countsWithoutState: boolean;
  /** Parts counted outside planned busy time (a missing shift, or production during a break). */
  readonly countsOutsidePlannedTime: boolean;
  /** Parts without an ideal cycle time (no order value, default 0): performance is understated. */
  readonly missingIdealCycleTime: boolean;
}

export interface StopTimeS {
  readonly state: MachineState;
  readonly reasonCode: string;
  readonly reasonText: string;
  readonly timeS: number;
  readonly count: number;
}

export interface OeeSummary {
  readonly calendarTimeS: number;
  readonly plannedBusyTimeS: number;
  readonly actualProductionTimeS: number;
  /** Unplanned stops (at or above the micro-stop threshold) inside PBT, OFFLINE excluded. */
  readonly unplannedStopTimeS: number;
  /** OFFLINE inside PBT (lowers availability); offlineCalendarTimeS is all OFFLINE time in the range. */
  readonly offlineTimeS: number;
  readonly offlineCalendarTimeS: number;
  /** Time taken out of PBT by breaks and planned stops. */
  readonly plannedStopTimeS: number;
  readonly microStopCount: number;
  readonly microStopTimeS: number;
  readonly totalCount: number;
  readonly goodCount: number;
  readonly scrapCount: number;
  readonly idealProductionTimeS: number;
  /** Good parts x their ideal cycle time (fully productive time): OEE x PBT. */
  readonly goodIdealTimeS: number;
  /** Absent where undefined (a zero denominator): never NaN, never a made-up 100 %. */
  readonly availability?: number;
  readonly performance?: number;
  readonly quality?: number;
  readonly oee?: number;
  readonly teep?: number;
  readonly losses: SixBigLossesS;
  readonly otherLosses: OtherLossesS;
  readonly failureCount: number;
  readonly mtbfS?: number;
  readonly mttrS?: number;
  readonly unplannedStops: readonly StopTimeS[];
  readonly orderIds: readonly string[];
  readonly shiftIds: readonly string[];
  readonly flags: OeeFlags;
}

function ratio(numerator: number, denominator: number): number | undefined {
  return denominator > 0 ? numerator / denominator : undefined;
}

function seconds(us: number): number {
  return us / US_PER_S;
}

/**
 * Quality by ideal time: good x ideal cycle time / total x ideal cycle time, so that A x P x Q = good x ideal
 * cycle time / PBT wherever parts of different ideal cycle times meet (two orders in one window, the machines of
 * a line): a 2 s part weighs four times a 0.5 s part, and the figure does not move with the product mix. With one
 * ideal cycle time the weights cancel to ISO 22400-2's good / produced quantity, computed as such so that a
 * one-product window keeps its figures to the bit. Parts without an ideal cycle time weigh nothing beside others;
 * where no part has one, good / total.
 */
function qualityOf(totals: OeeTotals): number | undefined {
  if (totals.idealCycleTimesS.length > 1) {
    const byIdealTime = ratio(totals.goodIdealTimeS, totals.idealProductionTimeS);
    if (byIdealTime !== undefined) return byIdealTime;
  }
  return ratio(totals.goodCount, totals.totalCount);
}

/**
 * KPIs after ISO 22400-2:2014, clause 6 (KPI descriptions): availability = APT / PBT; effectiveness
 * (performance) = ideal production time / APT; quality ratio = good / produced quantity, weighted by ideal
 * time where ideal cycle times differ (qualityOf); OEE index = A x P x Q;
 * docs/architecture.md adds TEEP = OEE x PBT / calendar time. MTBF and MTTR follow the maintenance KPIs of the same clause:
 * operating time (APT) and repair time over the number of failure events.
 */
export function summarize(totals: OeeTotals): OeeSummary {
  const aptUs = totals.runningTimeUs + totals.microStopTimeUs;
  const pbtS = seconds(totals.plannedBusyTimeUs);
  const aptS = seconds(aptUs);
  const availability = ratio(aptUs, totals.plannedBusyTimeUs);
  const performance = ratio(totals.idealProductionTimeS, aptS);
  const quality = qualityOf(totals);
  // A x P x Q, written so that it needs no APT: it is also defined when parts were counted while the asset
  // never ran (counts before their state). No part in planned time is an OEE of 0, not an undefined one.
  let oee: number | undefined;
  if (pbtS > 0) oee = quality === undefined ? 0 : (totals.idealProductionTimeS / pbtS) * quality;
  const teep = oee === undefined ? undefined : ratio(oee * totals.plannedBusyTimeUs, totals.calendarTimeUs);
  const smallStopsS = seconds(totals.microStopTimeUs);
  return {
    calendarTimeS: seconds(totals.calendarTimeUs),
    plannedBusyTimeS: pbtS,
    actualProductionTimeS: aptS,
    unplannedStopTimeS: seconds(totals.unplannedStopTimeUs),
    offlineTimeS: seconds(totals.offlineTimeUs),
    offlineCalendarTimeS: seconds(totals.offlineCalendarTimeUs),
    plannedStopTimeS: seconds(totals.plannedStopTimeUs),
    microStopCount: totals.microStopCount,
    microStopTimeS: smallStopsS,
    totalCount: totals.totalCount,
    goodCount: totals.goodCount,
    scrapCount: totals.scrapCount,
    idealProductionTimeS: totals.idealProductionTimeS,
    goodIdealTimeS: totals.goodIdealTimeS,
    ...(availability === undefined ? {} : { availability }),
    ...(performance === undefined ? {} : { performance }),
    ...(quality === undefined ? {} : { quality }),
    ...(oee === undefined ? {} : { oee }),
    ...(teep === undefined ? {} : { teep }),
    losses: {
      breakdownS: seconds(totals.breakdownTimeUs),
      setupAdjustmentS: seconds(totals.setupTimeUs),
      smallStopsS,
      reducedSpeedS: aptS - totals.idealProductionTimeS - smallStopsS,
      startupRejectsS: totals.startupRejectsIdealTimeS,
      productionRejectsS: totals.productionRejectsIdealTimeS,
    },
    otherLosses: {
      otherStopsS: seconds(totals.otherStopTimeUs),
      offlineS: seconds(totals.offlineTimeUs),
      plannedDowntimeS: seconds(totals.plannedDowntimeTimeUs),
    },
    failureCount: totals.failureCount,
    ...(totals.failureCount > 0
      ? { mtbfS: aptS / totals.failureCount, mttrS: seconds(totals.failureTimeUs) / totals.failureCount }
      : {}),
    unplannedStops: totals.unplannedStops.map((stop) => ({
      state: stop.state,
      reasonCode: stop.reasonCode,
      reasonText: stop.reasonText,
      timeS: seconds(stop.timeUs),
      count: stop.count,
    })),
    orderIds: totals.orderIds,
    shiftIds: totals.shiftIds,
    flags: {
      performanceAboveOne: performance !== undefined && performance > 1 + PERFORMANCE_TOLERANCE,
      noPlannedTime: totals.plannedBusyTimeUs === 0,
      countsWithoutState: totals.countWithoutState > 0,
      countsOutsidePlannedTime: totals.countOutsidePlannedTime > 0,
      missingIdealCycleTime: totals.countWithoutIdealCycleTime > 0,
    },
  };
}
