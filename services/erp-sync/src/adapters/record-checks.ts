// What every ERP record must be before it leaves an adapter, whatever the ERP: texts that Kafka and PostgreSQL take
// (no NUL or other control characters, at most MAX_TEXT_LENGTH), finite non-negative quantities, times the database
// and int64 µs hold (0 = not set). Each adapter maps first, then asks here; a record with a problem becomes a
// RecordProblem naming the field in the ERP's own terms, and the rest of the sync goes on.
import { numberProblem, textProblem, timeProblem } from '@kiln/contracts';
import type { ErpOrder, ErpShift } from './types';

/** How an adapter names a field to its ERP's users (`MfgOrderScheduledStartDate`, `scheduled_start`). */
export type FieldNames<T> = Partial<Record<keyof T | 'breaks', string>>;

const ORDER_TEXTS = [
  'orderId',
  'operationId',
  'workCenter',
  'material',
  'materialDescription',
  'quantityUnit',
] as const satisfies readonly (keyof ErpOrder)[];
const ORDER_QUANTITIES = ['targetQuantity', 'idealCycleTimeS'] as const satisfies readonly (keyof ErpOrder)[];
const ORDER_TIMES = [
  'scheduledStartUs',
  'scheduledEndUs',
  'actualStartUs',
  'actualEndUs',
  'changedTimeUs',
] as const satisfies readonly (keyof ErpOrder)[];

function named<T>(field: keyof T & string, names: FieldNames<T>): string {
  return names[field] ?? field;
}

function textFieldProblem(value: string, field: string): string | undefined {
  const problem = textProblem(value);
  return problem === undefined ? undefined : `${field} ${problem}`;
}

/** 0 means "not set" in ErpOrder and ErpShift times. */
function optionalTimeProblem(us: number, field: string): string | undefined {
  if (us === 0) return undefined;
  const problem = timeProblem(us);
  return problem === undefined ? undefined : `${field} ${problem}`;
}

/** The first problem of an order, naming the field; undefined when it may be published. */
export function orderRecordProblem(order: ErpOrder, names: FieldNames<ErpOrder> = {}): string | undefined {
  for (const field of ORDER_TEXTS) {
    const problem = textFieldProblem(order[field], named(field, names));
    if (problem !== undefined) return problem;
  }
  for (const field of ['orderId', 'workCenter'] as const) {
    if (order[field].trim() === '') return `${named(field, names)} is empty`;
  }
  for (const field of ORDER_QUANTITIES) {
    const problem = numberProblem(order[field], { min: 0 });
    if (problem !== undefined) return `${named(field, names)} ${problem}`;
  }
  for (const field of ORDER_TIMES) {
    const problem = optionalTimeProblem(order[field], named(field, names));
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** The first problem of a shift (its breaks included), naming the field; undefined when it may be published. */
export function shiftRecordProblem(shift: ErpShift, names: FieldNames<ErpShift> = {}): string | undefined {
  for (const field of ['workCenter', 'shiftId', 'name'] as const) {
    const problem = textFieldProblem(shift[field], named(field, names));
    if (problem !== undefined) return problem;
  }
  for (const field of ['workCenter', 'shiftId'] as const) {
    if (shift[field].trim() === '') return `${named(field, names)} is empty`;
  }
  for (const field of ['startUs', 'endUs'] as const) {
    const problem = timeProblem(shift[field]);
    if (problem !== undefined) return `${named(field, names)} ${problem}`;
  }
  const changed = optionalTimeProblem(shift.changedTimeUs, named('changedTimeUs', names));
  if (changed !== undefined) return changed;
  const breaks = names.breaks ?? 'breaks';
  for (const [index, item] of shift.breaks.entries()) {
    const reason = textFieldProblem(item.reason, `${breaks}[${index}].reason`);
    if (reason !== undefined) return reason;
    for (const field of ['startUs', 'endUs'] as const) {
      const problem = timeProblem(item[field]);
      if (problem !== undefined) return `${breaks}[${index}].${field} ${problem}`;
    }
  }
  return undefined;
}
