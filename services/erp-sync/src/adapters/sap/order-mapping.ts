// A_ProductionOrder_2 (with its expanded A_ProductionOrderOperation_2) to Kiln's ErpOrder: one order per operation
// with a work center. Validates each entity; a bad one becomes a RecordProblem with its id, never a throw. Pure.
import { z } from 'zod';
import { timeProblem } from '@kiln/contracts';
import { orderRecordProblem, type FieldNames } from '../record-checks';
import type { ErpOrder, ErpOrderStatusName, RecordProblem } from '../types';
import { combineDateTime, parseEdmDateTime, SECONDS_PER_TIME_UNIT } from './odata-values';

/** Edm.Decimal: a string in OData v2 JSON (numbers tolerated). */
const decimal = z.union([
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'expected an Edm.Decimal string')
    .transform(Number),
  z.number().finite(),
]);
const optionalDecimal = decimal.nullish();
const edmDateTime = z
  .string()
  .refine((value) => parseEdmDateTime(value) !== undefined, 'expected /Date(ms)/');
const flag = z.boolean().optional();

const operationSchema = z.object({
  ManufacturingOrderOperation: z.string().min(1, 'missing operation'),
  WorkCenter: z.string().min(1, 'missing work center'),
  OperationReferenceQuantity: optionalDecimal,
  StandardWorkQuantity1: optionalDecimal,
  StandardWorkQuantityUnit1: z.string().nullish(),
  StandardWorkQuantity2: optionalDecimal,
  StandardWorkQuantityUnit2: z.string().nullish(),
  StandardWorkQuantity3: optionalDecimal,
  StandardWorkQuantityUnit3: z.string().nullish(),
  StandardWorkQuantity4: optionalDecimal,
  StandardWorkQuantityUnit4: z.string().nullish(),
  StandardWorkQuantity5: optionalDecimal,
  StandardWorkQuantityUnit5: z.string().nullish(),
  StandardWorkQuantity6: optionalDecimal,
  StandardWorkQuantityUnit6: z.string().nullish(),
});

const orderSchema = z.object({
  ManufacturingOrder: z.string().min(1, 'missing order id'),
  ManufacturingOrderText: z.string().nullish(),
  Material: z.string().nullish(),
  MaterialName: z.string().nullish(),
  TotalQuantity: decimal,
  ProductionUnit: z.string().nullish(),
  MfgOrderScheduledStartDate: z.string().nullish(),
  MfgOrderScheduledStartTime: z.string().nullish(),
  MfgOrderScheduledEndDate: z.string().nullish(),
  MfgOrderScheduledEndTime: z.string().nullish(),
  MfgOrderActualStartDate: z.string().nullish(),
  MfgOrderActualStartTime: z.string().nullish(),
  MfgOrderConfirmedEndDate: z.string().nullish(),
  MfgOrderConfirmedEndTime: z.string().nullish(),
  OrderIsReleased: flag,
  OrderIsPartiallyConfirmed: flag,
  OrderIsConfirmed: flag,
  OrderIsTechnicallyCompleted: flag,
  OrderIsClosed: flag,
  OrderIsDeleted: flag,
  OrderIsMarkedForDeletion: flag,
  LastChangeDateTime: edmDateTime,
  to_ProductionOrderOperation: z.object({ results: z.array(z.unknown()) }).optional(),
});

type SapOrder = z.output<typeof orderSchema>;
type SapOperation = z.output<typeof operationSchema>;

export interface MappedOrder {
  readonly orders: ErpOrder[];
  readonly problems: RecordProblem[];
  /** LastChangeDateTime of the entity where readable, also for a record with problems (the cursor moves past it). */
  readonly changedMs: number | undefined;
}

/** SAP system status flags to Kiln's status; the most advanced flag wins (DLT > CLSD/TECO > CNF > PCNF > REL > CRTD). */
export function orderStatusOf(order: Partial<Record<string, unknown>>): ErpOrderStatusName {
  if (order.OrderIsDeleted === true || order.OrderIsMarkedForDeletion === true) return 'cancelled';
  if (order.OrderIsClosed === true || order.OrderIsTechnicallyCompleted === true) return 'closed';
  if (order.OrderIsConfirmed === true) return 'completed';
  if (order.OrderIsPartiallyConfirmed === true) return 'running';
  if (order.OrderIsReleased === true) return 'released';
  return 'planned';
}

function recordIdOf(raw: unknown, index: number): string {
  if (typeof raw === 'object' && raw !== null) {
    const record = raw as Record<string, unknown>;
    if (typeof record.ManufacturingOrder === 'string' && record.ManufacturingOrder !== '')
      return record.ManufacturingOrder;
    const metadata = record.__metadata as { uri?: unknown } | undefined;
    if (typeof metadata?.uri === 'string' && metadata.uri !== '') return metadata.uri;
  }
  return `A_ProductionOrder_2 #${index}`;
}

function describe(error: z.ZodError, entity: string): string {
  return error.issues
    .map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join('.')}: ${issue.message}`
        : `${entity}: ${issue.message}`,
    )
    .join('; ');
}

const us = (ms: number | undefined): number => (ms === undefined ? 0 : ms * 1000);

/**
 * Ideal cycle time (s/unit) = machine standard value / OperationReferenceQuantity (docs/architecture.md section 11); 0 when not given,
 * an error text when the unit is not a time unit.
 */
export function idealCycleTimeOf(operation: SapOperation, machineActivity: number): number | string {
  const key = `StandardWorkQuantity${machineActivity}` as 'StandardWorkQuantity2';
  const unitKey = `StandardWorkQuantityUnit${machineActivity}` as 'StandardWorkQuantityUnit2';
  const value = operation[key];
  const referenceQuantity = operation.OperationReferenceQuantity;
  if (value === undefined || value === null || value === 0) return 0;
  if (referenceQuantity === undefined || referenceQuantity === null || referenceQuantity <= 0) return 0;
  const unit = (operation[unitKey] ?? '').toUpperCase();
  const secondsPerUnit = SECONDS_PER_TIME_UNIT[unit];
  if (secondsPerUnit === undefined) return `${unitKey} '${unit}' is not a time unit (S, SEC, MIN, H)`;
  return (value * secondsPerUnit) / referenceQuantity;
}

export function mapProductionOrder(raw: unknown, index: number, machineActivity: number): MappedOrder {
  const recordId = recordIdOf(raw, index);
  const stampedMs =
    typeof raw === 'object' && raw !== null
      ? parseEdmDateTime((raw as Record<string, unknown>).LastChangeDateTime)
      : undefined;
  // A change time no database holds cannot be a cursor either (`new Date(1e17)` has no ISO form); the record is
  // refused below, naming LastChangeDateTime.
  const changedMs =
    stampedMs === undefined || timeProblem(stampedMs * 1000) !== undefined ? undefined : stampedMs;
  const parsed = orderSchema.safeParse(raw);
  if (!parsed.success)
    return {
      orders: [],
      problems: [{ recordId, problem: describe(parsed.error, 'A_ProductionOrder_2 entity') }],
      changedMs,
    };
  const order = parsed.data;
  const operations = order.to_ProductionOrderOperation?.results ?? [];
  if (operations.length === 0) {
    return {
      orders: [],
      problems: [
        { recordId, problem: 'no operation with a work center (expand to_ProductionOrderOperation)' },
      ],
      changedMs,
    };
  }
  const orders: ErpOrder[] = [];
  const problems: RecordProblem[] = [];
  operations.forEach((rawOperation, operationIndex) => {
    const operation = operationSchema.safeParse(rawOperation);
    if (!operation.success) {
      problems.push({
        recordId: `${recordId}/#${operationIndex}`,
        problem: describe(operation.error, 'to_ProductionOrderOperation entity'),
      });
      return;
    }
    const operationId = operation.data.ManufacturingOrderOperation;
    const idealCycleTimeS = idealCycleTimeOf(operation.data, machineActivity);
    if (typeof idealCycleTimeS === 'string') {
      problems.push({ recordId: `${recordId}/${operationId}`, problem: idealCycleTimeS });
      return;
    }
    const erpOrder = toErpOrder(order, operation.data, idealCycleTimeS);
    const problem = orderRecordProblem(erpOrder, SAP_FIELD_OF);
    if (problem === undefined) orders.push(erpOrder);
    else problems.push({ recordId: `${recordId}/${operationId}`, problem });
  });
  return { orders, problems, changedMs };
}

/** The OData properties each ErpOrder field comes from, so a refusal names what SAP sent. */
const SAP_FIELD_OF: FieldNames<ErpOrder> = {
  orderId: 'ManufacturingOrder',
  operationId: 'ManufacturingOrderOperation',
  workCenter: 'WorkCenter',
  material: 'Material',
  materialDescription: 'MaterialName/ManufacturingOrderText',
  targetQuantity: 'TotalQuantity',
  quantityUnit: 'ProductionUnit',
  idealCycleTimeS: 'StandardWorkQuantity/OperationReferenceQuantity',
  scheduledStartUs: 'MfgOrderScheduledStartDate/Time',
  scheduledEndUs: 'MfgOrderScheduledEndDate/Time',
  actualStartUs: 'MfgOrderActualStartDate/Time',
  actualEndUs: 'MfgOrderConfirmedEndDate/Time',
  changedTimeUs: 'LastChangeDateTime',
};

function toErpOrder(order: SapOrder, operation: SapOperation, idealCycleTimeS: number): ErpOrder {
  return {
    orderId: order.ManufacturingOrder,
    operationId: operation.ManufacturingOrderOperation,
    workCenter: operation.WorkCenter,
    material: order.Material ?? '',
    materialDescription: order.MaterialName ?? order.ManufacturingOrderText ?? '',
    targetQuantity: order.TotalQuantity,
    quantityUnit: order.ProductionUnit ?? '',
    idealCycleTimeS,
    status: orderStatusOf(order),
    scheduledStartUs: us(combineDateTime(order.MfgOrderScheduledStartDate, order.MfgOrderScheduledStartTime)),
    scheduledEndUs: us(combineDateTime(order.MfgOrderScheduledEndDate, order.MfgOrderScheduledEndTime)),
    actualStartUs: us(combineDateTime(order.MfgOrderActualStartDate, order.MfgOrderActualStartTime)),
    actualEndUs: us(combineDateTime(order.MfgOrderConfirmedEndDate, order.MfgOrderConfirmedEndTime)),
    changedTimeUs: us(parseEdmDateTime(order.LastChangeDateTime)),
  };
}
