// Mapping between the generated protobuf messages (@kiln/contracts) and the plain types of the core.
import {
  OrderStatus,
  type MachineStateChange,
  type OeeResult,
  type OeeWindowKind,
  type ProductionCountDelta,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';
import type { OeeComputation, OeeRollUp } from './compute';
import { OeeInputError } from './errors';
import type { OeeSettings } from './settings';
import type { CountDelta, OrderSpan, ShiftSpan, StateChange } from './types';

export function stateChangeFromEvent(change: MachineStateChange): StateChange {
  return {
    startUs: change.startTimeUs,
    state: change.state,
    reasonCode: change.reasonCode,
    reasonText: change.reasonText,
  };
}

/**
 * A ProductionCountDelta covers (interval_start_us, time_us]; without an interval start (in the message or from
 * the caller, who may know the previous reading's time) it is a point delta at time_us.
 */
export function countDeltaFromEvent(
  delta: ProductionCountDelta,
  fromUs: number | undefined = delta.intervalStartUs,
): CountDelta {
  return {
    timeUs: delta.timeUs,
    ...(fromUs === undefined ? {} : { fromUs }),
    totalCount: delta.totalCount,
    goodCount: delta.goodCount,
    scrapCount: delta.scrapCount,
    ...(delta.orderId === '' ? {} : { orderId: delta.orderId }),
  };
}

const STARTED = new Set([
  OrderStatus.ORDER_STATUS_RUNNING,
  OrderStatus.ORDER_STATUS_COMPLETED,
  OrderStatus.ORDER_STATUS_CLOSED,
]);
const ENDED = new Set([OrderStatus.ORDER_STATUS_COMPLETED, OrderStatus.ORDER_STATUS_CLOSED]);

/**
 * The span an order ran on the asset: actual start/end where the ERP reports them, else the schedule of an order
 * whose status says it started (or ended). undefined for cancelled orders and orders that have not started.
 */
export function orderSpanFromProductionOrder(order: ProductionOrder): OrderSpan | undefined {
  if (order.status === OrderStatus.ORDER_STATUS_CANCELLED) return undefined;
  const startUs = order.actualStartUs || (STARTED.has(order.status) ? order.scheduledStartUs : 0);
  if (startUs === 0) return undefined;
  const scheduledEndUs = ENDED.has(order.status) ? Math.max(order.scheduledEndUs, startUs) : undefined;
  const endUs = order.actualEndUs || scheduledEndUs;
  return {
    orderId: order.orderId,
    startUs,
    ...(endUs === undefined ? {} : { endUs }),
    idealCycleTimeS: order.idealCycleTimeS,
    targetQuantity: order.targetQuantity,
  };
}

/** undefined for a cancelled shift: it no longer counts as planned time. */
export function shiftSpanFromShift(shift: Shift): ShiftSpan | undefined {
  if (shift.cancelled) return undefined;
  return {
    shiftId: shift.shiftId,
    startUs: shift.startUs,
    endUs: shift.endUs,
    breaks: shift.breaks.map((pause) => ({
      startUs: pause.startUs,
      endUs: pause.endUs,
      reason: pause.reason,
    })),
  };
}

export interface OeeResultContext {
  readonly assetId: string;
  readonly windowKind: OeeWindowKind;
  /** Shift id or order id of a shift or order window. */
  readonly windowRef?: string;
  readonly revision: number;
  /** When the service computed the result (the core has no clock). */
  readonly computedTimeUs: number;
  /**
   * A roll-up over assets measured with different settings (each machine its own ideal cycle time, say): `refuse`
   * (the default) throws, `omit` leaves the message's settings unset, since no one set produced the figures.
   */
  readonly mixedSettings?: 'refuse' | 'omit';
  /** The zone whose wall clock cut the window (hours, days, calendar shifts); unset where no one zone applies. */
  readonly timeZone?: string;
}

function singleSettings(
  result: OeeComputation | OeeRollUp,
  mixed: 'refuse' | 'omit' = 'refuse',
): OeeSettings | undefined {
  if ('settings' in result) return result.settings;
  const [only, ...others] = result.settingsUsed;
  if (mixed === 'omit' && others.length > 0) return undefined;
  if (only === undefined || others.length > 0) {
    throw new OeeInputError(
      `an OeeResult stores one set of settings; this roll-up was measured with ${result.settingsUsed.length}`,
      'settingsUsed',
    );
  }
  return only;
}

/**
 * The kiln.oee.v1 message of a result. OeeSettings (oee.proto) has no field for plannedStopsInAvailability and
 * startupPeriodS yet: those two are not stored in the message (README.md, limitations).
 */
export function toOeeResult(result: OeeComputation | OeeRollUp, context: OeeResultContext): OeeResult {
  const settings = singleSettings(result, context.mixedSettings);
  return {
    assetId: context.assetId,
    windowKind: context.windowKind,
    windowStartUs: result.range.fromUs,
    windowEndUs: result.range.toUs,
    windowRef: context.windowRef ?? '',
    calendarTimeS: result.calendarTimeS,
    plannedBusyTimeS: result.plannedBusyTimeS,
    actualProductionTimeS: result.actualProductionTimeS,
    unplannedStopTimeS: result.unplannedStopTimeS,
    offlineTimeS: result.offlineTimeS,
    microStopCount: result.microStopCount,
    microStopTimeS: result.microStopTimeS,
    totalCount: result.totalCount,
    goodCount: result.goodCount,
    scrapCount: result.scrapCount,
    idealProductionTimeS: result.idealProductionTimeS,
    availability: result.availability,
    performance: result.performance,
    quality: result.quality,
    oee: result.oee,
    teep: result.teep,
    losses: { ...result.losses },
    mtbfS: result.mtbfS,
    mttrS: result.mttrS,
    settings:
      settings === undefined
        ? undefined
        : {
            microStopThresholdS: settings.microStopThresholdS,
            noOrderIsPlanned: settings.noOrderIsPlanned,
            defaultIdealCycleTimeS: settings.defaultIdealCycleTimeS,
            plannedStopsInAvailability: settings.plannedStopsInAvailability,
            startupPeriodS: settings.startupPeriodS,
          },
    revision: context.revision,
    computedTimeUs: context.computedTimeUs,
    performanceAboveIdeal: result.flags.performanceAboveOne,
    timeZone: context.timeZone,
  };
}
