// How the Odoo faces take production quantities and maintenance requests back, mapped onto the dataset:
// - `write` of `qty_producing` (and `x_kiln_scrap_qty`) on mrp.production is absolute: the simulator books the
//   difference to what is already confirmed, so a replayed write books nothing;
// - `button_mark_done` books a final confirmation (refused with UserError when done or cancelled);
// - the Kiln key travels in the call's context as `kiln_confirmation_key` and becomes the confirmation's
//   externalKey (the dataset books one confirmation per key; mark-done uses "<key>/done");
//   `x_kiln_confirmation_refs` on mrp.production lists "key=confirmation" pairs, so a client can look a key up
//   before it writes (odoo-models.ts);
// - maintenance.request has no idempotency key in Odoo: `create` always creates; clients search for their key in
//   `description` first.
import type { ErpDataset, ErpOrderRecord } from './dataset';
import { ErpBusinessError } from './dataset';
import { OdooError, type OdooParams, type OdooRecord } from './odoo-domain';

function contextKey(params: OdooParams): string {
  const context = params['context'];
  if (typeof context !== 'object' || context === null) return '';
  const key = (context as Record<string, unknown>)['kiln_confirmation_key'];
  return typeof key === 'string' ? key : '';
}

function contextNumber(params: OdooParams, name: string): number {
  const context = params['context'];
  if (typeof context !== 'object' || context === null) return 0;
  const value = (context as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : 0;
}

/** Calls an ORM method of a model with named arguments (JSON-2 style). */

function orderOf(dataset: ErpDataset, record: OdooRecord): ErpOrderRecord {
  const order = dataset.orders.get(String(record['name']));
  if (order === undefined) {
    throw new OdooError('odoo.exceptions.MissingError', `Production ${record.id} vanished`);
  }
  return order;
}

function book(
  dataset: ErpDataset,
  order: ErpOrderRecord,
  params: OdooParams,
  key: string,
  q: { yieldQuantity: number; scrapQuantity: number; final: boolean },
): void {
  if (order.status === 'TECO' || order.status === 'CLSD' || order.status === 'DLT') {
    throw new OdooError(
      'odoo.exceptions.UserError',
      `The production order ${order.orderId} has status ${order.status} (done or cancelled): it cannot be changed`,
    );
  }
  try {
    dataset.confirm({
      externalKey: key,
      orderId: order.orderId,
      operationId: order.operationId,
      ...q,
      machineTimeS: contextNumber(params, 'kiln_machine_time_s'),
      setupTimeS: contextNumber(params, 'kiln_setup_time_s'),
      downTimeS: contextNumber(params, 'kiln_down_time_s'),
      via: 'odoo',
    });
  } catch (error) {
    if (error instanceof ErpBusinessError) throw new OdooError('odoo.exceptions.UserError', error.message);
    throw error;
  }
}

export function writeProduction(dataset: ErpDataset, record: OdooRecord, params: OdooParams): void {
  const vals = params['vals'];
  if (typeof vals !== 'object' || vals === null) throw new OdooError('ValueError', 'write needs vals');
  const allowed = new Set(['qty_producing', 'x_kiln_scrap_qty']);
  const order = orderOf(dataset, record);
  const v = vals as Record<string, unknown>;
  for (const [field, value] of Object.entries(v)) {
    if (!allowed.has(field)) {
      throw new OdooError('odoo.exceptions.AccessError', `Field '${field}' is read-only here`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new OdooError('odoo.exceptions.ValidationError', `${field} must be a non-negative number`);
    }
  }
  // Absolute quantities: book what is new; a replayed write books nothing.
  const yieldQuantity = Math.max(
    0,
    (typeof v['qty_producing'] === 'number' ? v['qty_producing'] : order.confirmedYield) -
      order.confirmedYield,
  );
  const scrapQuantity = Math.max(
    0,
    (typeof v['x_kiln_scrap_qty'] === 'number' ? v['x_kiln_scrap_qty'] : order.confirmedScrap) -
      order.confirmedScrap,
  );
  const key = contextKey(params);
  if (yieldQuantity === 0 && scrapQuantity === 0 && key === '') return;
  book(dataset, order, params, key, { yieldQuantity, scrapQuantity, final: false });
}

export function markDone(dataset: ErpDataset, record: OdooRecord, params: OdooParams): void {
  const order = orderOf(dataset, record);
  const key = contextKey(params);
  book(dataset, order, params, key === '' ? '' : `${key}/done`, {
    yieldQuantity: 0,
    scrapQuantity: 0,
    final: true,
  });
}

export function createMaintenanceRequests(dataset: ErpDataset, params: OdooParams): number[] {
  const list = params['vals_list'] ?? params['vals'];
  const valsList = Array.isArray(list) ? list : [list];
  const ids: number[] = [];
  for (const vals of valsList) {
    if (typeof vals !== 'object' || vals === null) {
      throw new OdooError('ValueError', 'create needs vals_list');
    }
    const v = vals as Record<string, unknown>;
    if (typeof v['name'] !== 'string' || v['name'] === '') {
      throw new OdooError('odoo.exceptions.ValidationError', 'maintenance.request needs a name');
    }
    const workCenterId = v['workcenter_id'];
    const workCenter = [...dataset.workCenters.keys()][
      typeof workCenterId === 'number' ? workCenterId - 1 : -1
    ];
    if (workCenter === undefined) {
      throw new OdooError(
        'odoo.exceptions.ValidationError',
        `Unknown workcenter_id ${JSON.stringify(workCenterId)}`,
      );
    }
    const priority = Number(v['priority'] ?? '1');
    dataset.notify({
      externalKey: '',
      workCenter,
      text: v['name'],
      longText: typeof v['description'] === 'string' ? v['description'] : '',
      priority: Math.min(4, Math.max(1, 4 - (Number.isFinite(priority) ? priority : 1))),
      via: 'odoo',
    });
    ids.push(dataset.notifications.length);
  }
  return ids;
}
