// Writes of the SAP face: ProdnOrdConf2 and MaintenanceNotification POST bodies validated like SAP Gateway does
// (400 naming the property), booked in the dataset, refusals in SAP's terms. A second confirmation with an
// ExternalSystemConfirmation already booked is refused (400 RU/DUPLICATE_EXTERNAL_ID), as SAP does; clients find
// the earlier one with GET $filter on the key.
import { z } from 'zod';
import { ErpBusinessError, type ErpDataset } from './dataset';
import { confirmationEntity, notificationEntity } from './sap-entities';
import { parseEdmDate, parseEdmTime, type ODataEntity } from './sap-odata';

export class SapHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected an Edm.Decimal string')
  .transform(Number);
const edmDateField = z.string().refine((v) => parseEdmDate(v) !== undefined, 'expected /Date(ms)/');
const edmTimeField = z.string().refine((v) => parseEdmTime(v) !== undefined, 'expected PTnnHnnMnnS');

const confirmationBody = z.object({
  OrderID: z.string().min(1),
  OrderOperation: z.string().min(1),
  ConfirmationYieldQuantity: decimal.optional(),
  ConfirmationScrapQuantity: decimal.optional(),
  ConfirmationUnit: z.string().max(3).optional(),
  FinalConfirmationType: z.enum(['', 'X', '1']).optional(),
  ExternalSystemConfirmation: z.string().optional(),
  OpConfirmedWorkQuantity1: decimal.optional(),
  OpWorkQuantityUnit1: z.string().optional(),
  OpConfirmedWorkQuantity2: decimal.optional(),
  OpWorkQuantityUnit2: z.string().optional(),
  OpConfirmedWorkQuantity3: decimal.optional(),
  OpWorkQuantityUnit3: z.string().optional(),
  ConfirmedExecutionStartDate: edmDateField.optional(),
  ConfirmedExecutionStartTime: edmTimeField.optional(),
  ConfirmedExecutionEndDate: edmDateField.optional(),
  ConfirmedExecutionEndTime: edmTimeField.optional(),
  PostingDate: edmDateField.optional(),
  ConfirmationText: z.string().max(40).optional(),
});

const notificationBody = z.object({
  NotificationText: z.string().min(1).max(40),
  MaintNotifLongText: z.string().optional(),
  NotificationType: z.string().min(1).max(2),
  MaintPriority: z.enum(['1', '2', '3', '4']).optional(),
  MainWorkCenter: z.string().min(1),
  MainWorkCenterPlant: z.string().optional(),
  MaintNotifExtReferenceNumber: z.string().max(20).optional(),
});

function validate<T>(schema: z.ZodType<T>, body: unknown, entity: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const property = issue?.path.join('.') ?? '';
  throw new SapHttpError(
    400,
    '/IWBEP/CM_MGW_RT/004',
    `Invalid value for property '${property}' of entity ${entity}: ${issue?.message ?? 'malformed'}`,
  );
}

const MINUTES_PER_UNIT: Record<string, number> = { S: 1 / 60, SEC: 1 / 60, MIN: 1, H: 60, HUR: 60 };

function workSeconds(quantity: number | undefined, unit: string | undefined, property: string): number {
  if (quantity === undefined) return 0;
  const perUnit = MINUTES_PER_UNIT[(unit ?? 'MIN').toUpperCase()];
  if (perUnit === undefined)
    throw new SapHttpError(400, 'RU/UNIT', `Unit ${unit ?? ''} of ${property} is not a time unit`);
  return quantity * perUnit * 60;
}

function dateTime(date: string | undefined, time: string | undefined): number | undefined {
  const day = parseEdmDate(date);
  return day === undefined ? undefined : day + (parseEdmTime(time) ?? 0);
}

function businessError(
  error: ErpBusinessError,
  orderStatus: string | undefined,
  orderId: string,
): SapHttpError {
  if (error.code === 'ORDER_CLOSED') {
    // SAP's status check: message BS 013 "System status &1 is active (&2)".
    return new SapHttpError(400, 'BS/013', `System status ${orderStatus ?? ''} is active (ORD ${orderId})`);
  }
  if (error.code === 'ORDER_NOT_FOUND') return new SapHttpError(404, 'RU/ORDER_NOT_FOUND', error.message);
  return new SapHttpError(400, `RU/${error.code}`, error.message);
}

export interface ConfirmationExtras {
  startMs?: number;
  endMs?: number;
  unit?: string;
}

/** What the dataset does not keep of a posted confirmation / notification, to answer GETs faithfully. */
export class SapWrites {
  readonly confirmationExtras = new Map<string, ConfirmationExtras>();
  readonly notificationTypes = new Map<string, string>();

  constructor(private readonly dataset: ErpDataset) {}

  createConfirmation(body: unknown, baseUrl: string): ODataEntity {
    const input = validate(confirmationBody, body, 'ProdnOrdConf2');
    const externalKey = input.ExternalSystemConfirmation ?? '';
    if (
      externalKey !== '' &&
      this.dataset.confirmations.some((c) => c.externalKey.toLowerCase() === externalKey.toLowerCase())
    ) {
      throw new SapHttpError(
        400,
        'RU/DUPLICATE_EXTERNAL_ID',
        `Confirmation with external ID ${externalKey} already exists`,
      );
    }
    const order = this.dataset.orders.get(input.OrderID);
    if (order !== undefined && order.operationId !== input.OrderOperation) {
      throw new SapHttpError(
        400,
        'RU/OPERATION',
        `Operation ${input.OrderOperation} does not exist in order ${input.OrderID}`,
      );
    }
    try {
      const created = this.dataset.confirm({
        externalKey,
        orderId: input.OrderID,
        operationId: input.OrderOperation,
        yieldQuantity: input.ConfirmationYieldQuantity ?? 0,
        scrapQuantity: input.ConfirmationScrapQuantity ?? 0,
        final: input.FinalConfirmationType === 'X' || input.FinalConfirmationType === '1',
        setupTimeS: workSeconds(
          input.OpConfirmedWorkQuantity1,
          input.OpWorkQuantityUnit1,
          'OpConfirmedWorkQuantity1',
        ),
        machineTimeS: workSeconds(
          input.OpConfirmedWorkQuantity2,
          input.OpWorkQuantityUnit2,
          'OpConfirmedWorkQuantity2',
        ),
        downTimeS: workSeconds(
          input.OpConfirmedWorkQuantity3,
          input.OpWorkQuantityUnit3,
          'OpConfirmedWorkQuantity3',
        ),
        via: 'sap',
      });
      const extras = {
        startMs: dateTime(input.ConfirmedExecutionStartDate, input.ConfirmedExecutionStartTime),
        endMs: dateTime(input.ConfirmedExecutionEndDate, input.ConfirmedExecutionEndTime),
        unit: input.ConfirmationUnit,
      };
      this.confirmationExtras.set(created.confirmationId, extras);
      return confirmationEntity(this.dataset, { ...created, ...extras }, baseUrl);
    } catch (error) {
      if (error instanceof ErpBusinessError) throw businessError(error, order?.status, input.OrderID);
      throw error;
    }
  }

  createNotification(body: unknown, baseUrl: string): ODataEntity {
    const input = validate(notificationBody, body, 'MaintenanceNotification');
    try {
      const created = this.dataset.notify({
        externalKey: input.MaintNotifExtReferenceNumber ?? '',
        workCenter: input.MainWorkCenter,
        text: input.NotificationText,
        longText: input.MaintNotifLongText ?? '',
        priority: Number(input.MaintPriority ?? '3'),
        via: 'sap',
      });
      this.notificationTypes.set(created.notificationId, input.NotificationType);
      return notificationEntity(
        this.dataset,
        { ...created, notificationType: input.NotificationType },
        baseUrl,
      );
    } catch (error) {
      if (error instanceof ErpBusinessError) throw new SapHttpError(400, `IW/${error.code}`, error.message);
      throw error;
    }
  }
}
