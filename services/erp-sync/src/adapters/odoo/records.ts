// Odoo's answers (mrp.production, mrp.workorder and the work centers' codes) to ErpOrders: one per work order,
// validated field by field; a bad record becomes a RecordProblem with its name, never a throw. Pure.
import { z } from 'zod';
import { orderRecordProblem } from '../record-checks';
import type { ErpOrder, ErpOrderStatusName, RecordProblem } from '../types';

const STATUS_OF_STATE: Record<string, ErpOrderStatusName> = {
  draft: 'planned',
  confirmed: 'released',
  progress: 'running',
  to_close: 'completed',
  done: 'closed',
  cancel: 'cancelled',
};

const many2one = z.tuple([z.number().int(), z.string()]);
/** Odoo datetimes are UTC "YYYY-MM-DD HH:MM:SS" (fractions tolerated); false = not set. */
const ODOO_DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;
const datetime = z.union([z.string(), z.literal(false)]).superRefine((value, context) => {
  if (value === false) return;
  if (!ODOO_DATETIME.test(value))
    context.addIssue({ code: 'custom', message: 'expected "YYYY-MM-DD HH:MM:SS"' });
  else if (!Number.isFinite(odooTimeUs(value))) {
    context.addIssue({ code: 'custom', message: `${value} is not a valid date and time` });
  }
});

const productionRecord = z.object({
  id: z.number().int(),
  name: z.string().min(1),
  product_id: many2one,
  product_qty: z.number().nonnegative(),
  product_uom_id: many2one,
  state: z.enum(['draft', 'confirmed', 'progress', 'to_close', 'done', 'cancel']),
  date_start: datetime,
  date_finished: datetime,
  write_date: z.string(),
});

const workorderRecord = z.object({
  id: z.number().int(),
  name: z.union([z.string(), z.literal(false)]),
  production_id: many2one,
  workcenter_id: many2one,
  duration_expected: z.number().nonnegative(),
  qty_production: z.number().nonnegative(),
  date_start: datetime,
  date_finished: datetime,
});

export type OdooProduction = z.infer<typeof productionRecord>;
type OdooWorkorder = z.infer<typeof workorderRecord>;

export const PRODUCTION_FIELDS = Object.keys(productionRecord.shape);
export const WORKORDER_FIELDS = Object.keys(workorderRecord.shape);

/** Odoo datetimes are UTC "YYYY-MM-DD HH:MM:SS"; false = not set (0); NaN where the text is no date. */
export function odooTimeUs(value: string | false): number {
  if (value === false) return 0;
  return Date.parse(`${value.replace(' ', 'T')}Z`) * 1000;
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function idOf(record: Record<string, unknown>): string {
  const name = record['name'];
  return typeof name === 'string' && name !== '' ? name : `id ${String(record['id'])}`;
}

/** The productions that pass validation (their ids are what the work orders are asked for). */
export function validProductions(productions: readonly unknown[]): OdooProduction[] {
  return productions.flatMap((raw) => {
    const parsed = productionRecord.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Maps productions with their work orders (work center id -> code in `codes`). */
export function mapOdooOrders(
  productions: readonly unknown[],
  workorders: readonly unknown[],
  codes: ReadonlyMap<number, string>,
): { records: ErpOrder[]; problems: RecordProblem[] } {
  const problems: RecordProblem[] = [];
  const valid = productions.flatMap((raw) => {
    const parsed = productionRecord.safeParse(raw);
    if (parsed.success) return [parsed.data];
    problems.push({
      recordId: idOf(asRecord(raw) ?? {}),
      problem: `mrp.production: ${issues(parsed.error)}`,
    });
    return [];
  });
  const records: ErpOrder[] = [];
  for (const production of valid) {
    const own = workorders.flatMap((raw) => {
      const record = asRecord(raw);
      const productionId = record?.['production_id'];
      return record !== undefined && Array.isArray(productionId) && productionId[0] === production.id
        ? [record]
        : [];
    });
    if (own.length === 0) {
      problems.push({ recordId: production.name, problem: 'mrp.production has no work order' });
    }
    for (const raw of own) {
      const workorder = workorderRecord.safeParse(raw);
      const code = workorder.success ? codes.get(workorder.data.workcenter_id[0]) : undefined;
      if (!workorder.success || code === undefined) {
        const problem = workorder.success ? 'work center has no code' : issues(workorder.error);
        problems.push({
          recordId: production.name,
          problem: `mrp.workorder ${String(raw['id'])}: ${problem}`,
        });
        continue;
      }
      const order = orderOf(production, workorder.data, code);
      const problem = orderRecordProblem(order, ODOO_FIELD_OF);
      if (problem === undefined) records.push(order);
      else
        problems.push({
          recordId: production.name,
          problem: `mrp.workorder ${workorder.data.id}: ${problem}`,
        });
    }
  }
  return { records, problems };
}

/** Which Odoo field each ErpOrder field came from, so a refusal names what the Odoo user can fix. */
const ODOO_FIELD_OF: Partial<Record<keyof ErpOrder, string>> = {
  orderId: 'mrp.production name',
  operationId: 'mrp.workorder name',
  workCenter: 'mrp.workcenter code',
  material: 'mrp.production product_id',
  materialDescription: 'mrp.production product_id',
  targetQuantity: 'mrp.production product_qty',
  quantityUnit: 'mrp.production product_uom_id',
  idealCycleTimeS: 'mrp.workorder duration_expected / qty_production',
  scheduledStartUs: 'mrp.production date_start',
  scheduledEndUs: 'mrp.production date_finished',
  actualStartUs: 'mrp.workorder date_start',
  actualEndUs: 'mrp.workorder date_finished',
  changedTimeUs: 'mrp.production write_date',
};

function orderOf(p: OdooProduction, w: OdooWorkorder, workCenter: string): ErpOrder {
  // Odoo shows a product as "[default_code] name".
  const product = /^\[([^\]]+)\]\s*(.*)$/.exec(p.product_id[1]);
  return {
    orderId: p.name,
    operationId: w.name === false ? '' : w.name,
    workCenter,
    material: product?.[1] ?? p.product_id[1],
    materialDescription: product?.[2] ?? p.product_id[1],
    targetQuantity: p.product_qty,
    quantityUnit: p.product_uom_id[1],
    idealCycleTimeS: w.qty_production > 0 ? (w.duration_expected * 60) / w.qty_production : 0,
    status: STATUS_OF_STATE[p.state] ?? 'planned',
    scheduledStartUs: odooTimeUs(p.date_start),
    scheduledEndUs: odooTimeUs(p.date_finished),
    actualStartUs: odooTimeUs(w.date_start),
    actualEndUs: odooTimeUs(w.date_finished),
    changedTimeUs: odooTimeUs(p.write_date),
  };
}
