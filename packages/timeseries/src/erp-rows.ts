// Rows of the ERP tables as PostgreSQL returns them, the columns selected and their mapping onto the records.
import type { OutboxEntry, StoredErpOrder, ErpOutboxKind, ErpOutboxStatus } from './erp-records';
import { epochUsOf, timestampParam } from './sql';

export interface OrderRow {
  erp_system: string;
  order_id: string;
  operation_id: string;
  work_center: string;
  asset_id: string | null;
  material: string;
  material_description: string;
  target_quantity: number;
  quantity_unit: string;
  ideal_cycle_time_s: number;
  status: string;
  scheduled_start_us: number | null;
  scheduled_end_us: number | null;
  actual_start_us: number | null;
  actual_end_us: number | null;
  changed_us: number;
  payload: unknown;
}

export interface OutboxRow {
  id: string;
  kind: ErpOutboxKind;
  kiln_ref: string;
  revision: string;
  asset_id: string | null;
  payload: unknown;
  status: ErpOutboxStatus;
  attempts: number;
  next_attempt_us: number;
  last_error: string | null;
  erp_ref: string | null;
  created_us: number;
  sent_us: number | null;
}

export const ORDER_COLUMNS = `erp_system, order_id, operation_id, work_center, asset_id, material, material_description,
  target_quantity, quantity_unit, ideal_cycle_time_s, status,
  ${epochUsOf('scheduled_start')} AS scheduled_start_us, ${epochUsOf('scheduled_end')} AS scheduled_end_us,
  ${epochUsOf('actual_start')} AS actual_start_us, ${epochUsOf('actual_end')} AS actual_end_us,
  ${epochUsOf('changed_time')} AS changed_us, payload`;

export const OUTBOX_COLUMNS = `id, kind, kiln_ref, revision, asset_id, payload, status, attempts,
  ${epochUsOf('next_attempt_at')} AS next_attempt_us, last_error, erp_ref, ${epochUsOf('created_at')} AS created_us,
  ${epochUsOf('sent_at')} AS sent_us`;

export const optionalTime = (epochUs: number, what: string): string | null =>
  epochUs === 0 ? null : timestampParam(epochUs, what);

export function orderOf(row: OrderRow): StoredErpOrder {
  return {
    erpSystem: row.erp_system,
    orderId: row.order_id,
    operationId: row.operation_id,
    workCenter: row.work_center,
    assetId: row.asset_id ?? undefined,
    material: row.material,
    materialDescription: row.material_description,
    targetQuantity: row.target_quantity,
    quantityUnit: row.quantity_unit,
    idealCycleTimeS: row.ideal_cycle_time_s,
    status: row.status,
    scheduledStartUs: row.scheduled_start_us ?? 0,
    scheduledEndUs: row.scheduled_end_us ?? 0,
    actualStartUs: row.actual_start_us ?? 0,
    actualEndUs: row.actual_end_us ?? 0,
    changedTimeUs: row.changed_us,
    payload: row.payload,
  };
}

export function outboxOf(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    kind: row.kind,
    kilnRef: row.kiln_ref,
    revision: row.revision,
    assetId: row.asset_id ?? undefined,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptUs: row.next_attempt_us,
    lastError: row.last_error ?? undefined,
    erpRef: row.erp_ref ?? undefined,
    createdUs: row.created_us,
    sentUs: row.sent_us ?? undefined,
  };
}
