// ERP-neutral records turned into the Kiln events of kiln.erp.order.v1 and kiln.erp.shift.v1 (keyed by asset id).
import { OrderStatus, type ProductionOrder, type Shift } from '@kiln/contracts';
import type { ErpOrder, ErpOrderStatusName, ErpShift } from '../adapters/types';

const ORDER_STATUS: Readonly<Record<ErpOrderStatusName, OrderStatus>> = {
  planned: OrderStatus.ORDER_STATUS_PLANNED,
  released: OrderStatus.ORDER_STATUS_RELEASED,
  running: OrderStatus.ORDER_STATUS_RUNNING,
  completed: OrderStatus.ORDER_STATUS_COMPLETED,
  closed: OrderStatus.ORDER_STATUS_CLOSED,
  cancelled: OrderStatus.ORDER_STATUS_CANCELLED,
};

export function orderEvent(order: ErpOrder, assetId: string, erpSystem: string): ProductionOrder {
  return {
    assetId,
    orderId: order.orderId,
    operationId: order.operationId,
    material: order.material,
    materialDescription: order.materialDescription,
    targetQuantity: order.targetQuantity,
    quantityUnit: order.quantityUnit,
    idealCycleTimeS: order.idealCycleTimeS,
    status: ORDER_STATUS[order.status],
    scheduledStartUs: order.scheduledStartUs,
    scheduledEndUs: order.scheduledEndUs,
    actualStartUs: order.actualStartUs,
    actualEndUs: order.actualEndUs,
    erpSystem,
    changedTimeUs: order.changedTimeUs,
  };
}

export function shiftEvent(shift: ErpShift, assetId: string, erpSystem: string): Shift {
  return {
    assetId,
    shiftId: shift.shiftId,
    name: shift.name,
    startUs: shift.startUs,
    endUs: shift.endUs,
    breaks: shift.breaks.map((pause) => ({
      startUs: pause.startUs,
      endUs: pause.endUs,
      reason: pause.reason,
    })),
    cancelled: shift.cancelled,
    erpSystem,
    changedTimeUs: shift.changedTimeUs,
  };
}
