// Request bodies of the SAP adapter: ProdnOrdConf2 (activity times in minutes on the configured activities) and
// MaintenanceNotification (40-character short text, long text for the planner, the key in the external reference).
// Pure functions.
import { createHash } from 'node:crypto';
import type { MaintenanceRequest, OrderConfirmation } from '../types';
import { formatEdmDate, formatEdmDecimal, formatEdmTime } from './odata-values';
import type { SapAdapterConfig } from './options';

/** SAP's short text of a notification. */
const NOTIFICATION_TEXT_LENGTH = 40;
/** MaintNotifExtReferenceNumber is CHAR 20. */
const EXT_REFERENCE_LENGTH = 20;

const PRIORITY_OF_SEVERITY: Record<MaintenanceRequest['severity'], string> = {
  critical: '1',
  warning: '2',
  info: '3',
};

export function confirmationBody(
  confirmation: OrderConfirmation,
  activities: SapAdapterConfig['activities'],
): Record<string, string> {
  const minutes = (seconds: number): string => formatEdmDecimal(seconds / 60);
  const startMs = confirmation.startUs / 1000;
  const endMs = confirmation.endUs / 1000;
  const body: Record<string, string> = {
    OrderID: confirmation.orderId,
    OrderOperation: confirmation.operationId,
    ConfirmationYieldQuantity: formatEdmDecimal(confirmation.yieldQuantity),
    ConfirmationScrapQuantity: formatEdmDecimal(confirmation.scrapQuantity),
    ConfirmationUnit: confirmation.quantityUnit,
    FinalConfirmationType: confirmation.final ? 'X' : '',
    ExternalSystemConfirmation: confirmation.idempotencyKey,
    [`OpConfirmedWorkQuantity${activities.setup}`]: minutes(confirmation.setupTimeS),
    [`OpWorkQuantityUnit${activities.setup}`]: 'MIN',
    [`OpConfirmedWorkQuantity${activities.machine}`]: minutes(confirmation.machineTimeS),
    [`OpWorkQuantityUnit${activities.machine}`]: 'MIN',
    [`OpConfirmedWorkQuantity${activities.down}`]: minutes(confirmation.downTimeS),
    [`OpWorkQuantityUnit${activities.down}`]: 'MIN',
  };
  if (confirmation.startUs > 0) {
    body.ConfirmedExecutionStartDate = formatEdmDate(startMs);
    body.ConfirmedExecutionStartTime = formatEdmTime(startMs);
  }
  if (confirmation.endUs > 0) {
    body.ConfirmedExecutionEndDate = formatEdmDate(endMs);
    body.ConfirmedExecutionEndTime = formatEdmTime(endMs);
    body.PostingDate = formatEdmDate(endMs);
  }
  return body;
}

export function notificationBody(
  request: MaintenanceRequest,
  reference: string,
  config: Pick<SapAdapterConfig, 'notificationType' | 'plant'>,
): Record<string, string> {
  const body: Record<string, string> = {
    NotificationText: shortText(request.title),
    NotificationType: config.notificationType,
    MaintPriority: PRIORITY_OF_SEVERITY[request.severity],
    MainWorkCenter: request.workCenter,
    MaintNotifExtReferenceNumber: reference,
    MaintNotifLongText: longText(request),
  };
  if (config.plant !== undefined) body.MainWorkCenterPlant = config.plant;
  return body;
}

/** The idempotency key in the 20 characters of MaintNotifExtReferenceNumber: a UUID's first 80 bits, else a hash. */
export function externalReferenceOf(idempotencyKey: string): string {
  const compact = idempotencyKey.replace(/-/g, '');
  const hex =
    /^[0-9a-f]+$/i.test(compact) && compact.length >= EXT_REFERENCE_LENGTH
      ? compact
      : createHash('sha256').update(idempotencyKey).digest('hex');
  return hex.slice(0, EXT_REFERENCE_LENGTH).toUpperCase();
}

function shortText(title: string): string {
  return title.length <= NOTIFICATION_TEXT_LENGTH
    ? title
    : `${title.slice(0, NOTIFICATION_TEXT_LENGTH - 1)}…`;
}

function longText(request: MaintenanceRequest): string {
  const lines = [
    request.description,
    '',
    `Asset: ${request.assetId}`,
    `Cause: ${request.cause}`,
    `Health index: ${request.healthIndex === undefined ? 'n/a' : request.healthIndex.toFixed(2)}`,
    request.rul === undefined
      ? 'Remaining useful life: n/a'
      : `Remaining useful life: ${request.rul.estimateH.toFixed(0)} h (${request.rul.lowerH.toFixed(0)}-${request.rul.upperH.toFixed(0)} h)`,
    `Opened: ${new Date(request.openedTimeUs / 1000).toISOString()}`,
    `Kiln alert: ${request.alertId}`,
    `Kiln key: ${request.idempotencyKey}`,
  ];
  return lines.join('\n');
}
