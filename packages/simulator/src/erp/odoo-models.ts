// The dataset seen as Odoo models: mrp.workcenter, mrp.production (one per order), mrp.workorder (one per order, on
// its work center) and maintenance.request (the notifications received), with Odoo's ORM methods (search_read,
// search, search_count, read; write, button_mark_done and create in odoo-writes.ts). Both Odoo faces (legacy
// /jsonrpc and JSON-2, odoo-routes.ts) call `callOdooModel` with named arguments.
import type { ErpDataset, ErpOrderRecord, ErpOrderStatus, ReceivedNotification } from './dataset';
import { createMaintenanceRequests, markDone, writeProduction } from './odoo-writes';
import { domainPredicate, OdooError, sortBy, type OdooParams, type OdooRecord } from './odoo-domain';

const STATE_OF: Record<ErpOrderStatus, string> = {
  CRTD: 'draft',
  REL: 'confirmed',
  PCNF: 'progress',
  CNF: 'to_close',
  TECO: 'done',
  CLSD: 'done',
  DLT: 'cancel',
};

const WORKORDER_STATE_OF: Record<ErpOrderStatus, string> = {
  CRTD: 'pending',
  REL: 'ready',
  PCNF: 'progress',
  CNF: 'done',
  TECO: 'done',
  CLSD: 'done',
  DLT: 'cancel',
};

/** Odoo's datetime format: UTC, "YYYY-MM-DD HH:MM:SS". */
export function odooDatetime(ms: number | undefined): string | false {
  if (ms === undefined || !Number.isFinite(ms) || ms === 0) return false;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function indexOf<T>(values: Iterable<T>): Map<T, number> {
  const ids = new Map<T, number>();
  for (const value of values) if (!ids.has(value)) ids.set(value, ids.size + 1);
  return ids;
}

/** Builds the records of every model from the dataset (ids are positions, stable while records are only added). */
function recordsOf(dataset: ErpDataset, model: string): OdooRecord[] | undefined {
  const workCenterIds = indexOf(dataset.workCenters.keys());
  const workCenterRef = (code: string): [number, string] | false => {
    const id = workCenterIds.get(code);
    const center = dataset.workCenters.get(code);
    return id === undefined || center === undefined ? false : [id, center.description];
  };
  const orders = [...dataset.orders.values()];
  const productIds = indexOf(orders.map((o) => o.material));
  const uomIds = indexOf(orders.map((o) => o.unit));
  switch (model) {
    case 'mrp.workcenter':
      return [...dataset.workCenters.values()].map((c, i) => ({
        id: i + 1,
        name: c.description,
        code: c.id,
      }));
    case 'mrp.production':
      return orders.map((o, i) => productionOf(o, i + 1, dataset, productIds, uomIds));
    case 'mrp.workorder':
      return orders.map((o, i) => ({
        id: i + 1,
        name: o.operationId,
        production_id: [i + 1, o.orderId],
        workcenter_id: workCenterRef(o.workCenter),
        duration_expected: (o.machineStandardValueS * o.targetQuantity) / o.referenceQuantity / 60,
        qty_production: o.targetQuantity,
        qty_produced: o.confirmedYield,
        state: WORKORDER_STATE_OF[o.status],
        date_start: odooDatetime(o.actualStartMs),
        date_finished: odooDatetime(o.actualEndMs),
        write_date: odooDatetime(o.changedMs),
      }));
    case 'maintenance.request':
      return dataset.notifications.map((n, i) => maintenanceRequestOf(n, i + 1, workCenterRef(n.workCenter)));
    default:
      return undefined;
  }
}

function productionOf(
  o: ErpOrderRecord,
  id: number,
  dataset: ErpDataset,
  productIds: Map<string, number>,
  uomIds: Map<string, number>,
): OdooRecord {
  return {
    id,
    name: o.orderId,
    product_id:
      o.material === ''
        ? false
        : [productIds.get(o.material) ?? 0, `[${o.material}] ${o.materialDescription}`],
    product_qty: o.targetQuantity,
    product_uom_id: [uomIds.get(o.unit) ?? 0, o.unit],
    qty_producing: o.confirmedYield,
    x_kiln_scrap_qty: o.confirmedScrap,
    x_kiln_confirmation_refs: dataset.confirmations
      .filter((c) => c.orderId === o.orderId && c.externalKey !== '')
      .map((c) => `${c.externalKey}=${c.confirmationId}`)
      .join(','),
    state: STATE_OF[o.status],
    date_start: odooDatetime(o.scheduledStartMs),
    date_finished: odooDatetime(o.scheduledEndMs),
    date_deadline: odooDatetime(o.scheduledEndMs),
    write_date: odooDatetime(o.changedMs),
    workorder_ids: [id],
  };
}

function maintenanceRequestOf(
  n: ReceivedNotification,
  id: number,
  workcenter: [number, string] | false,
): OdooRecord {
  return {
    id,
    name: n.text,
    description: n.longText,
    workcenter_id: workcenter,
    equipment_id: false,
    // SAP priority 1 (very high) .. 4 (low) against Odoo '3' (very high) .. '0' (low).
    priority: String(Math.min(3, Math.max(0, 4 - n.priority))),
    maintenance_type: 'corrective',
    request_date: odooDatetime(n.receivedMs),
    write_date: odooDatetime(n.receivedMs),
  };
}

function pick(record: OdooRecord, fields: unknown): OdooRecord {
  if (!Array.isArray(fields) || fields.length === 0) return record;
  const out: OdooRecord = { id: record.id };
  for (const field of fields) {
    if (typeof field !== 'string' || !(field in record)) {
      throw new OdooError('ValueError', `Invalid field ${JSON.stringify(field)} on model`);
    }
    out[field] = record[field];
  }
  return out;
}

function numberParam(params: OdooParams, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined || value === null || value === false) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OdooError('ValueError', `${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function idsParam(params: OdooParams): number[] {
  const ids = params['ids'];
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'number')) {
    throw new OdooError('ValueError', 'ids must be a list of record ids');
  }
  return ids as number[];
}

export function callOdooModel(
  dataset: ErpDataset,
  model: string,
  method: string,
  params: OdooParams,
): unknown {
  const all = recordsOf(dataset, model);
  if (all === undefined) throw new OdooError('KeyError', `Model '${model}' does not exist`);
  const search = (): OdooRecord[] => {
    const matching = sortBy(all.filter(domainPredicate(params['domain'])), params['order']);
    const offset = numberParam(params, 'offset', 0);
    const limit = numberParam(params, 'limit', matching.length);
    return matching.slice(offset, offset + limit);
  };
  const byIds = (): OdooRecord[] =>
    idsParam(params).map((id) => {
      const record = all.find((r) => r.id === id);
      if (record === undefined) {
        throw new OdooError('odoo.exceptions.MissingError', `Record ${model}(${id}) does not exist`);
      }
      return record;
    });
  switch (method) {
    case 'search_read':
      return search().map((r) => pick(r, params['fields']));
    case 'search':
      return search().map((r) => r.id);
    case 'search_count':
      return all.filter(domainPredicate(params['domain'])).length;
    case 'read':
      return byIds().map((r) => pick(r, params['fields']));
    case 'write':
      if (model !== 'mrp.production') break;
      for (const record of byIds()) writeProduction(dataset, record, params);
      return true;
    case 'button_mark_done':
      if (model !== 'mrp.production') break;
      for (const record of byIds()) markDone(dataset, record, params);
      return true;
    case 'create':
      if (model !== 'maintenance.request') break;
      return createMaintenanceRequests(dataset, params);
  }
  throw new OdooError('AttributeError', `The method '${method}' does not exist on the model '${model}'`);
}
