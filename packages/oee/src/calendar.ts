// The asset's plan: shift calendar (with planned breaks) and production orders, as looked up by time.
import { OeeInputError } from './errors';
import { subtract, unionOf, type Interval, type IntervalSet } from './intervals';
import type { OrderSpan, ShiftSpan } from './types';

export interface ShiftCalendar {
  /** Time inside any shift. */
  readonly shiftTime: IntervalSet;
  /** Planned breaks, clipped to their shift. */
  readonly breakTime: IntervalSet;
  /** Shift time without breaks: where a stop can first become a loss (and is counted). */
  readonly workingTime: IntervalSet;
}

function checkSpan(startUs: number, endUs: number, path: string): void {
  if (!Number.isFinite(startUs) || !Number.isFinite(endUs) || endUs < startUs) {
    throw new OeeInputError(
      `expected finite startUs <= endUs, got [${String(startUs)}, ${String(endUs)})`,
      path,
    );
  }
}

export function buildShiftCalendar(shifts: readonly ShiftSpan[]): ShiftCalendar {
  const breaks: Interval[] = [];
  shifts.forEach((shift, index) => {
    checkSpan(shift.startUs, shift.endUs, `shifts[${index}] (${shift.shiftId})`);
    (shift.breaks ?? []).forEach((pause, breakIndex) => {
      checkSpan(pause.startUs, pause.endUs, `shifts[${index}].breaks[${breakIndex}] (${shift.shiftId})`);
      const startUs = Math.max(pause.startUs, shift.startUs);
      const endUs = Math.min(pause.endUs, shift.endUs);
      if (endUs > startUs) breaks.push({ startUs, endUs });
    });
  });
  const shiftTime = unionOf(shifts);
  const breakTime = unionOf(breaks);
  return { shiftTime, breakTime, workingTime: subtract(shiftTime, breakTime) };
}

export interface OrderBook {
  readonly orders: readonly OrderSpan[];
  readonly byId: ReadonlyMap<string, OrderSpan>;
}

export function buildOrderBook(orders: readonly OrderSpan[]): OrderBook {
  orders.forEach((order, index) => {
    checkSpan(order.startUs, order.endUs ?? order.startUs, `orders[${index}] (${order.orderId})`);
    if (!Number.isFinite(order.idealCycleTimeS) || order.idealCycleTimeS < 0) {
      throw new OeeInputError(
        `expected idealCycleTimeS >= 0 (0 = use the asset default), got ${String(order.idealCycleTimeS)}`,
        `orders[${index}] (${order.orderId})`,
      );
    }
  });
  const sorted = [...orders].sort((a, b) => a.startUs - b.startUs);
  return { orders: sorted, byId: new Map(sorted.map((order) => [order.orderId, order])) };
}

export function orderEndUs(order: OrderSpan): number {
  return order.endUs ?? Infinity;
}

/** The order running at `timeUs`: of overlapping orders, the one that started last. */
export function orderAt(book: OrderBook, timeUs: number): OrderSpan | undefined {
  for (let index = book.orders.length - 1; index >= 0; index -= 1) {
    const order = book.orders[index];
    if (order !== undefined && order.startUs <= timeUs && timeUs < orderEndUs(order)) return order;
  }
  return undefined;
}
