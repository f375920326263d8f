// The dataset as S/4HANA's OData v2 entities: A_ProductionOrder_2 with its A_ProductionOrderOperation_2
// (API_PRODUCTION_ORDER_2_SRV), ProdnOrdConf2 (API_PROD_ORDER_CONFIRMATION_2_SRV) and MaintenanceNotification
// (API_MAINTNOTIFICATION). A small, faithful subset of each entity's properties.
import type { ErpDataset, ErpOrderRecord, ReceivedConfirmation, ReceivedNotification } from './dataset';
import { edmDate, edmDateTimeOffset, edmDecimal, edmTime, type ODataEntity } from './sap-odata';

export const SAP_ODATA_ROOT = '/sap/opu/odata/sap';
export const PRODUCTION_ORDER_SERVICE = 'API_PRODUCTION_ORDER_2_SRV';
export const CONFIRMATION_SERVICE = 'API_PROD_ORDER_CONFIRMATION_2_SRV';
export const NOTIFICATION_SERVICE = 'API_MAINTNOTIFICATION';
const DEFAULT_PLANT = '1000';

/** SAP's standard value key SAP1: activity 1 setup, 2 machine, 3 labor; Kiln books down time on 3. */
export const ACTIVITY = { setup: 1, machine: 2, down: 3 } as const;

function decimalOrNull(value: number): string | null {
  return Number.isFinite(value) ? edmDecimal(value) : null;
}

/** Seconds in the largest unit that keeps the value whole, as SAP stores standard values. */
function standardValue(seconds: number): { quantity: string | null; unit: string } {
  if (!Number.isFinite(seconds)) return { quantity: null, unit: 'SEC' };
  if (seconds !== 0 && seconds % 3600 === 0) return { quantity: edmDecimal(seconds / 3600), unit: 'H' };
  if (seconds !== 0 && seconds % 60 === 0) return { quantity: edmDecimal(seconds / 60), unit: 'MIN' };
  return { quantity: edmDecimal(seconds), unit: 'SEC' };
}

export function plantOf(dataset: ErpDataset, workCenter: string): string {
  return dataset.workCenters.get(workCenter)?.plant ?? DEFAULT_PLANT;
}

export function operationEntity(dataset: ErpDataset, order: ErpOrderRecord, baseUrl: string): ODataEntity {
  const machine = standardValue(order.machineStandardValueS);
  const key = `ManufacturingOrder='${order.orderId}',ManufacturingOrderSequence='0',ManufacturingOrderOperation='${order.operationId}'`;
  return {
    __metadata: {
      id: `${baseUrl}/${PRODUCTION_ORDER_SERVICE}/A_ProductionOrderOperation_2(${key})`,
      uri: `${baseUrl}/${PRODUCTION_ORDER_SERVICE}/A_ProductionOrderOperation_2(${key})`,
      type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrderOperation_2Type',
    },
    ManufacturingOrder: order.orderId,
    ManufacturingOrderSequence: '0',
    ManufacturingOrderOperation: order.operationId,
    MfgOrderOperationText: `Produce ${order.material}`,
    WorkCenter: order.workCenter,
    Plant: plantOf(dataset, order.workCenter),
    OperationReferenceQuantity: decimalOrNull(order.referenceQuantity),
    OperationUnit: order.unit,
    OpPlannedTotalQuantity: decimalOrNull(order.targetQuantity),
    StandardWorkFormulaParamGroup: 'SAP1',
    StandardWorkQuantity1: edmDecimal(0),
    StandardWorkQuantityUnit1: 'MIN',
    StandardWorkQuantity2: machine.quantity,
    StandardWorkQuantityUnit2: machine.unit,
    StandardWorkQuantity3: edmDecimal(0),
    StandardWorkQuantityUnit3: 'MIN',
    OperationIsReleased: order.status !== 'CRTD' && order.status !== 'DLT',
    OperationIsPartiallyConfirmed: order.status === 'PCNF',
    OperationIsConfirmed: order.status === 'CNF' || order.status === 'TECO' || order.status === 'CLSD',
    LastChangeDateTime: edmDateTimeOffset(order.changedMs),
  };
}

export function productionOrderEntity(
  dataset: ErpDataset,
  order: ErpOrderRecord,
  baseUrl: string,
  expandOperations: boolean,
): ODataEntity {
  const uri = `${baseUrl}/${PRODUCTION_ORDER_SERVICE}/A_ProductionOrder_2('${order.orderId}')`;
  const s = order.status;
  const released = s !== 'CRTD' && s !== 'DLT';
  return {
    __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type' },
    ManufacturingOrder: order.orderId,
    ManufacturingOrderCategory: '10',
    ManufacturingOrderType: 'PP01',
    ManufacturingOrderText: order.materialDescription,
    ProductionPlant: plantOf(dataset, order.workCenter),
    Material: order.material,
    MaterialName: order.materialDescription,
    TotalQuantity: decimalOrNull(order.targetQuantity),
    ProductionUnit: order.unit,
    MfgOrderConfirmedYieldQty: edmDecimal(order.confirmedYield),
    MfgOrderConfirmedScrapQty: edmDecimal(order.confirmedScrap),
    MfgOrderScheduledStartDate: edmDate(order.scheduledStartMs),
    MfgOrderScheduledStartTime: edmTime(order.scheduledStartMs),
    MfgOrderScheduledEndDate: edmDate(order.scheduledEndMs),
    MfgOrderScheduledEndTime: edmTime(order.scheduledEndMs),
    MfgOrderActualStartDate: edmDate(order.actualStartMs),
    MfgOrderActualStartTime: edmTime(order.actualStartMs),
    MfgOrderConfirmedEndDate: edmDate(order.actualEndMs),
    MfgOrderConfirmedEndTime: edmTime(order.actualEndMs),
    OrderIsCreated: s === 'CRTD',
    OrderIsReleased: released,
    OrderIsPartiallyConfirmed: s === 'PCNF',
    OrderIsConfirmed: s === 'CNF' || s === 'TECO' || s === 'CLSD',
    OrderIsTechnicallyCompleted: s === 'TECO' || s === 'CLSD',
    OrderIsClosed: s === 'CLSD',
    OrderIsDeleted: s === 'DLT',
    OrderIsMarkedForDeletion: s === 'DLT',
    LastChangeDateTime: edmDateTimeOffset(order.changedMs),
    to_ProductionOrderOperation: expandOperations
      ? { results: [operationEntity(dataset, order, baseUrl)] }
      : { __deferred: { uri: `${uri}/to_ProductionOrderOperation` } },
  };
}

function workQuantity(seconds: number): string {
  return edmDecimal(seconds / 60);
}

export function confirmationEntity(
  dataset: ErpDataset,
  confirmation: ReceivedConfirmation & {
    readonly startMs?: number;
    readonly endMs?: number;
    readonly unit?: string;
  },
  baseUrl: string,
): ODataEntity {
  const key = `ConfirmationGroup='${confirmation.confirmationId}',ConfirmationCount='1'`;
  const uri = `${baseUrl}/${CONFIRMATION_SERVICE}/ProdnOrdConf2(${key})`;
  const order = dataset.orders.get(confirmation.orderId);
  return {
    __metadata: { id: uri, uri, type: 'API_PROD_ORDER_CONFIRMATION_2_SRV.ProdnOrdConf2Type' },
    ConfirmationGroup: confirmation.confirmationId,
    ConfirmationCount: '1',
    OrderID: confirmation.orderId,
    OrderOperation: confirmation.operationId,
    Plant: plantOf(dataset, order?.workCenter ?? ''),
    WorkCenter: order?.workCenter ?? '',
    ExternalSystemConfirmation: confirmation.externalKey,
    FinalConfirmationType: confirmation.final ? 'X' : '',
    IsFinalConfirmation: confirmation.final,
    IsReversed: false,
    ConfirmationUnit: confirmation.unit ?? order?.unit ?? '',
    ConfirmationYieldQuantity: edmDecimal(confirmation.yieldQuantity),
    ConfirmationScrapQuantity: edmDecimal(confirmation.scrapQuantity),
    [`OpWorkQuantityUnit${ACTIVITY.setup}`]: 'MIN',
    [`OpConfirmedWorkQuantity${ACTIVITY.setup}`]: workQuantity(confirmation.setupTimeS),
    [`OpWorkQuantityUnit${ACTIVITY.machine}`]: 'MIN',
    [`OpConfirmedWorkQuantity${ACTIVITY.machine}`]: workQuantity(confirmation.machineTimeS),
    [`OpWorkQuantityUnit${ACTIVITY.down}`]: 'MIN',
    [`OpConfirmedWorkQuantity${ACTIVITY.down}`]: workQuantity(confirmation.downTimeS),
    ConfirmedExecutionStartDate: edmDate(confirmation.startMs),
    ConfirmedExecutionStartTime: edmTime(confirmation.startMs),
    ConfirmedExecutionEndDate: edmDate(confirmation.endMs),
    ConfirmedExecutionEndTime: edmTime(confirmation.endMs),
    PostingDate: edmDate(confirmation.receivedMs),
    ConfirmationEntryDate: edmDate(confirmation.receivedMs),
    ConfirmationEntryTime: edmTime(confirmation.receivedMs),
  };
}

export function notificationEntity(
  dataset: ErpDataset,
  notification: ReceivedNotification & { readonly notificationType?: string },
  baseUrl: string,
): ODataEntity {
  const uri = `${baseUrl}/${NOTIFICATION_SERVICE}/MaintenanceNotification('${notification.notificationId}')`;
  return {
    __metadata: { id: uri, uri, type: 'API_MAINTNOTIFICATION.MaintenanceNotificationType' },
    MaintenanceNotification: notification.notificationId,
    NotificationText: notification.text,
    MaintNotifLongText: notification.longText,
    NotificationType: notification.notificationType ?? 'M2',
    MaintPriority: String(notification.priority),
    MainWorkCenter: notification.workCenter,
    MainWorkCenterPlant: plantOf(dataset, notification.workCenter),
    MaintNotifExtReferenceNumber: notification.externalKey,
    NotificationCreationDate: edmDate(notification.receivedMs),
    NotificationCreationTime: edmTime(notification.receivedMs),
    LastChangeDateTime: edmDateTimeOffset(notification.receivedMs),
  };
}
