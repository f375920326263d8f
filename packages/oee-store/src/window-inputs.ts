// The stored inputs of an asset over a stretch of time, read once, and each window's share of them: the same state
// changes, counts, orders and ERP shifts OeeStore's per-window queries return for that window, in the same order,
// so results equal computing each window from the database alone.
import {
  countReaches,
  MAX_COUNT_INTERVAL_US,
  type CountDelta,
  type OrderSpan,
  type ShiftSpan,
  type StateChange,
  type TimeRange,
} from '@kiln/oee';
import { overlaps } from './ranges';
import type { StateStretch } from './state-runs';
import type { OeeStore } from './store';

export interface WindowShare {
  readonly range: TimeRange;
  readonly states: StateChange[];
  readonly counts: CountDelta[];
  readonly orders: OrderSpan[];
  /** The shifts to pass: those overlapping the stops that reach into the range, not only the range. */
  readonly shiftsRange: TimeRange;
}

/**
 * The counts (sorted by time) that reach into the range, as OeeStore.counts reads them: those ending after
 * range.fromUs and at most MAX_COUNT_INTERVAL_US past range.toUs, kept when countReaches says so.
 */
function countsFor(counts: readonly CountDelta[], range: TimeRange): CountDelta[] {
  let low = 0;
  let high = counts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const count = counts[middle];
    if (count !== undefined && count.timeUs <= range.fromUs) low = middle + 1;
    else high = middle;
  }
  const out: CountDelta[] = [];
  for (let i = low; i < counts.length; i += 1) {
    const count = counts[i];
    if (count === undefined || count.timeUs > range.toUs + MAX_COUNT_INTERVAL_US) break;
    if (countReaches(count, range)) out.push(count);
  }
  return out;
}

export class WindowInputs {
  private constructor(
    readonly span: TimeRange,
    private readonly states: StateStretch,
    private readonly counts: readonly CountDelta[],
    private readonly orders: readonly OrderSpan[],
    /** undefined: the asset has no ERP shifts (its shift calendar applies). */
    private readonly erp: readonly ShiftSpan[] | undefined,
  ) {}

  /** Reads what the windows inside `span` need (a window's share is asked for only inside it). */
  static async load(
    store: OeeStore,
    assetId: string,
    span: TimeRange,
    erpShifts: boolean,
  ): Promise<WindowInputs> {
    const [states, counts, orders] = await Promise.all([
      store.statesAround(assetId, span, true),
      store.counts(assetId, span),
      store.orders(assetId, span),
    ]);
    // A window's shifts reach back to the start of the run in force at its start, never before the stretch's.
    const erp = erpShifts
      ? await store.erpShifts(assetId, { fromUs: states.startUs, toUs: span.toUs })
      : undefined;
    return new WindowInputs(span, states, counts, orders, erp);
  }

  covers(range: TimeRange): boolean {
    return this.span.fromUs <= range.fromUs && range.toUs <= this.span.toUs;
  }

  /** What OeeStore's runAround, statesFor, counts and orders return for the range. */
  shareOf(range: TimeRange): WindowShare {
    const { runStartUs } = this.states.runAround(range.fromUs, true);
    return {
      range,
      states: this.states.statesFor(range, runStartUs),
      counts: countsFor(this.counts, range),
      orders: this.orders.filter((order) => overlaps(order, range)),
      shiftsRange: { fromUs: Math.min(runStartUs ?? range.fromUs, range.fromUs), toUs: range.toUs },
    };
  }

  /** What OeeStore.erpShifts returns for the range; undefined when the asset has no ERP shifts. */
  erpShifts(range: TimeRange): ShiftSpan[] | undefined {
    return this.erp?.filter((shift) => overlaps(shift, range));
  }
}
