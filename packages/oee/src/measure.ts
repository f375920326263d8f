// Measures the additive totals of one asset over a time range: cuts the range into segments where nothing
// changes (state, shift, break, order), classifies each segment in the time model of ISO 22400-2 and spreads
// the counts over them.
import { MachineState } from '@kiln/contracts';
import {
  buildOrderBook,
  buildShiftCalendar,
  orderAt,
  orderEndUs,
  type OrderBook,
  type ShiftCalendar,
} from './calendar';
import { isSpread } from './count-interval';
import { OeeInputError } from './errors';
import { contains, firstInstantIn } from './intervals';
import type { OeeSettings } from './settings';
import { buildStateTimeline, entryAt, firstEntryEndingAfter, stateClass, type StateEntry } from './timeline';
import { EMPTY_TOTALS, mergeStops, type OeeTotals, type StopTotal } from './totals';
import type { CountDelta, OrderSpan, ShiftSpan, StateChange, TimeRange } from './types';

export interface OeeMeasureInput {
  readonly range: TimeRange;
  readonly states: readonly StateChange[];
  readonly counts?: readonly CountDelta[];
  readonly orders?: readonly OrderSpan[];
  readonly shifts?: readonly ShiftSpan[];
}

/**
 * Where a segment's time goes. ISO 22400-2:2014 time model (clause 5, time elements): calendar time splits into
 * time outside shifts, planned downtime (PDOT: breaks and planned stops) and planned busy time (PBT); PBT splits
 * into actual production time (APT: running and micro-stops) and actual unit downtime (ADOT: everything else).
 */
export type SegmentCategory =
  'unscheduled' | 'planned' | 'running' | 'microStop' | 'unplannedStop' | 'offline' | 'plannedDowntime';

interface Segment {
  readonly startUs: number;
  readonly endUs: number;
  readonly category: SegmentCategory;
  readonly entry: StateEntry;
  readonly order: OrderSpan | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const US_PER_S = 1_000_000;

function categorize(
  entry: StateEntry,
  inShift: boolean,
  inBreak: boolean,
  settings: OeeSettings,
): SegmentCategory {
  if (!inShift) return 'unscheduled';
  const kind = stateClass(entry.state, settings);
  if (inBreak || kind === 'plannedStop') {
    if (!settings.plannedStopsInAvailability) return 'planned';
    return kind === 'running' ? 'running' : 'plannedDowntime';
  }
  if (kind === 'running') return 'running';
  // OFFLINE is no data, not production: it stays in PBT as downtime of its own category (ISO 22400-2 counts
  // in APT only the time the unit is producing), reported apart from the stops the machine told us about.
  if (kind === 'noData') return 'offline';
  // A stop is classified by the full duration of its run, also where a break, a shift end or the range cuts it.
  return entry.runEndUs - entry.runStartUs < settings.microStopThresholdS * US_PER_S
    ? 'microStop'
    : 'unplannedStop';
}

function buildSegments(
  range: TimeRange,
  timeline: readonly StateEntry[],
  calendar: ShiftCalendar,
  book: OrderBook,
  settings: OeeSettings,
): Segment[] {
  const { fromUs, toUs } = range;
  const points = new Set<number>([fromUs, toUs]);
  const addPoint = (timeUs: number): void => {
    if (timeUs > fromUs && timeUs < toUs) points.add(timeUs);
  };
  for (let index = firstEntryEndingAfter(timeline, fromUs); index < timeline.length; index += 1) {
    const entry = timeline[index];
    if (entry === undefined || entry.startUs >= toUs) break;
    addPoint(entry.startUs);
  }
  for (const interval of [...calendar.shiftTime, ...calendar.breakTime]) {
    addPoint(interval.startUs);
    addPoint(interval.endUs);
  }
  const startupUs = settings.startupPeriodS * US_PER_S;
  for (const order of book.orders) {
    addPoint(order.startUs);
    addPoint(orderEndUs(order));
    addPoint(order.startUs + startupUs);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let index = 0; index + 1 < sorted.length; index += 1) {
    const startUs = sorted[index] ?? fromUs;
    const endUs = sorted[index + 1] ?? toUs;
    const entry = entryAt(timeline, startUs);
    const inShift = contains(calendar.shiftTime, startUs);
    const inBreak = contains(calendar.breakTime, startUs);
    const category = categorize(entry, inShift, inBreak, settings);
    segments.push({ startUs, endUs, category, entry, order: orderAt(book, startUs) });
  }
  return segments;
}

function segmentIndexAt(segments: readonly Segment[], timeUs: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const segment = segments[mid];
    if (segment !== undefined && segment.startUs <= timeUs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The segment holding the instants just before `timeUs` (startUs < timeUs <= endUs); timeUs > the first start. */
function segmentIndexBefore(segments: readonly Segment[], timeUs: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const segment = segments[mid];
    if (segment !== undefined && segment.startUs < timeUs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function newTotals(): Mutable<OeeTotals> {
  return { ...EMPTY_TOTALS };
}

function isNoData(entry: StateEntry): boolean {
  return entry.state === undefined || entry.state === MachineState.MACHINE_STATE_OFFLINE;
}

function stateOf(entry: StateEntry): MachineState {
  return entry.state ?? MachineState.MACHINE_STATE_OFFLINE;
}

function addTimes(totals: Mutable<OeeTotals>, stops: StopTotal[], segment: Segment): void {
  const durationUs = segment.endUs - segment.startUs;
  totals.calendarTimeUs += durationUs;
  if (isNoData(segment.entry)) totals.offlineCalendarTimeUs += durationUs;
  switch (segment.category) {
    case 'unscheduled':
      totals.unscheduledTimeUs += durationUs;
      return;
    case 'planned':
      totals.plannedStopTimeUs += durationUs;
      return;
    case 'running':
      totals.runningTimeUs += durationUs;
      break;
    case 'microStop':
      totals.microStopTimeUs += durationUs;
      break;
    case 'offline':
      totals.offlineTimeUs += durationUs;
      break;
    case 'plannedDowntime':
      totals.plannedDowntimeTimeUs += durationUs;
      break;
    case 'unplannedStop': {
      const state = stateOf(segment.entry);
      totals.unplannedStopTimeUs += durationUs;
      if (
        state === MachineState.MACHINE_STATE_BREAKDOWN ||
        state === MachineState.MACHINE_STATE_UNKNOWN_STOP
      ) {
        totals.breakdownTimeUs += durationUs;
      } else if (state === MachineState.MACHINE_STATE_CHANGEOVER) {
        totals.setupTimeUs += durationUs;
      } else {
        totals.otherStopTimeUs += durationUs;
      }
      if (state === MachineState.MACHINE_STATE_BREAKDOWN) totals.failureTimeUs += durationUs;
      const { reasonCode, reasonText } = segment.entry;
      stops.push({ state, reasonCode, reasonText, timeUs: durationUs, count: 0 });
      break;
    }
  }
  totals.plannedBusyTimeUs += durationUs;
}

/**
 * Counts each stop once, in the range holding the first instant of the stop inside working time (shift time
 * without breaks), so that stop counts add up over adjacent ranges and a stop during a break is not counted.
 */
function countStops(
  totals: Mutable<OeeTotals>,
  stops: StopTotal[],
  range: TimeRange,
  timeline: readonly StateEntry[],
  calendar: ShiftCalendar,
  settings: OeeSettings,
): void {
  let lastRunStartUs = NaN;
  for (let index = firstEntryEndingAfter(timeline, range.fromUs); index < timeline.length; index += 1) {
    const entry = timeline[index];
    if (entry === undefined || entry.startUs >= range.toUs) break;
    if (entry.runStartUs === lastRunStartUs || stateClass(entry.state, settings) !== 'stop') continue;
    lastRunStartUs = entry.runStartUs;
    const firstUs = firstInstantIn(calendar.workingTime, entry.runStartUs, entry.runEndUs);
    if (firstUs === undefined || firstUs < range.fromUs || firstUs >= range.toUs) continue;
    if (entry.runEndUs - entry.runStartUs < settings.microStopThresholdS * US_PER_S) {
      totals.microStopCount += 1;
      continue;
    }
    const first = entryAt(timeline, firstUs);
    const state = stateOf(first);
    stops.push({ state, reasonCode: first.reasonCode, reasonText: first.reasonText, timeUs: 0, count: 1 });
    if (state === MachineState.MACHINE_STATE_BREAKDOWN) totals.failureCount += 1;
  }
}

function checkCount(delta: CountDelta, index: number): void {
  const path = `counts[${index}]`;
  if (!Number.isFinite(delta.timeUs)) throw new OeeInputError(`expected a finite timeUs`, path);
  if (delta.fromUs !== undefined && !(delta.fromUs <= delta.timeUs)) {
    throw new OeeInputError(`expected fromUs <= timeUs, got (${delta.fromUs}, ${delta.timeUs}]`, path);
  }
  for (const key of ['totalCount', 'goodCount', 'scrapCount'] as const) {
    const value = delta[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new OeeInputError(`expected ${key} >= 0 (a delta is never negative), got ${String(value)}`, path);
    }
  }
}

/** Where one range's counts are added up; idealCycleTimesS collects the distinct ideal cycle times seen. */
interface CountSink {
  readonly totals: Mutable<OeeTotals>;
  readonly idealCycleTimesS: Set<number>;
}

function addCounts(
  sink: CountSink,
  delta: CountDelta,
  share: number,
  segment: Segment,
  atUs: number,
  book: OrderBook,
  settings: OeeSettings,
): void {
  const { totals } = sink;
  const order = (delta.orderId === undefined ? undefined : book.byId.get(delta.orderId)) ?? segment.order;
  // ERP standard value of the order, else the asset's default (docs/architecture.md section 6).
  const idealCycleTimeS =
    order !== undefined && order.idealCycleTimeS > 0
      ? order.idealCycleTimeS
      : settings.defaultIdealCycleTimeS;
  const total = delta.totalCount * share;
  const good = delta.goodCount * share;
  const scrap = delta.scrapCount * share;
  totals.totalCount += total;
  totals.goodCount += good;
  totals.scrapCount += scrap;
  totals.idealProductionTimeS += total * idealCycleTimeS;
  totals.goodIdealTimeS += good * idealCycleTimeS;
  if (total > 0) sink.idealCycleTimesS.add(idealCycleTimeS);
  const inStartup =
    order !== undefined && atUs >= order.startUs && atUs < order.startUs + settings.startupPeriodS * US_PER_S;
  if (inStartup) totals.startupRejectsIdealTimeS += scrap * idealCycleTimeS;
  else totals.productionRejectsIdealTimeS += scrap * idealCycleTimeS;
  if (idealCycleTimeS === 0) totals.countWithoutIdealCycleTime += total;
  if (isNoData(segment.entry)) totals.countWithoutState += total;
  if (segment.category === 'unscheduled' || segment.category === 'planned')
    totals.countOutsidePlannedTime += total;
}

function spreadCounts(
  sink: CountSink,
  counts: readonly CountDelta[],
  range: TimeRange,
  segments: readonly Segment[],
  book: OrderBook,
  settings: OeeSettings,
): void {
  counts.forEach((delta, index) => {
    checkCount(delta, index);
    if (isSpread(delta)) {
      const durationUs = delta.timeUs - delta.fromUs;
      const fromUs = Math.max(delta.fromUs, range.fromUs);
      const toUs = Math.min(delta.timeUs, range.toUs);
      if (toUs <= fromUs) return;
      for (let at = segmentIndexAt(segments, fromUs); at < segments.length; at += 1) {
        const segment = segments[at];
        if (segment === undefined || segment.startUs >= toUs) break;
        const pieceFromUs = Math.max(fromUs, segment.startUs);
        const overlapUs = Math.min(toUs, segment.endUs) - pieceFromUs;
        if (overlapUs > 0)
          addCounts(sink, delta, overlapUs / durationUs, segment, pieceFromUs, book, settings);
      }
    } else if (delta.timeUs > range.fromUs && delta.timeUs <= range.toUs) {
      // The parts were made up to timeUs: the segment ending at (or holding) timeUs gets them, with its order,
      // state and startup period (segments are cut at each of those, so its start stands for all of it).
      const segment = segments[segmentIndexBefore(segments, delta.timeUs)];
      if (segment !== undefined) addCounts(sink, delta, 1, segment, segment.startUs, book, settings);
    }
  });
}

export function measureOee(input: OeeMeasureInput, settings: OeeSettings): OeeTotals {
  const { range } = input;
  if (!Number.isFinite(range.fromUs) || !Number.isFinite(range.toUs) || range.toUs < range.fromUs) {
    throw new OeeInputError(`expected finite fromUs <= toUs, got [${range.fromUs}, ${range.toUs})`, 'range');
  }
  const timeline = buildStateTimeline(input.states);
  const shifts = input.shifts ?? [];
  const calendar = buildShiftCalendar(shifts);
  const book = buildOrderBook(input.orders ?? []);
  const segments = buildSegments(range, timeline, calendar, book, settings);
  const totals = newTotals();
  const stops: StopTotal[] = [];
  for (const segment of segments) addTimes(totals, stops, segment);
  countStops(totals, stops, range, timeline, calendar, settings);
  const idealCycleTimesS = new Set<number>();
  spreadCounts({ totals, idealCycleTimesS }, input.counts ?? [], range, segments, book, settings);
  totals.idealCycleTimesS = [...idealCycleTimesS].sort((a, b) => a - b);
  totals.unplannedStops = mergeStops([stops]);
  const overlapsRange = (startUs: number, endUs: number): boolean =>
    startUs < range.toUs && endUs > range.fromUs;
  totals.orderIds = [
    ...new Set(book.orders.filter((o) => overlapsRange(o.startUs, orderEndUs(o))).map((o) => o.orderId)),
  ].sort();
  totals.shiftIds = [
    ...new Set(shifts.filter((s) => overlapsRange(s.startUs, s.endUs)).map((s) => s.shiftId)),
  ].sort();
  return totals;
}
