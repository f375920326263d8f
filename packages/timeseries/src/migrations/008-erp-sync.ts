// The tables of the ERP-sync service (docs/architecture.md section 3): the ERP's orders as erp-sync reads them, inbound
// cursors, records the ERP sent badly or refused, and the outbox through which Kiln's decisions (final order
// confirmations, maintenance notifications) leave for the ERP exactly once. A decision inserts its outbox row in
// the transaction that makes it, keyed by a deterministic idempotency key and unique per (kind, Kiln reference,
// revision), so a replayed decision inserts nothing. Plain tables on both backends: a few rows per order.
import type { Migration } from './types';

export const ERP_OUTBOX_KINDS = ['confirmation', 'notification'] as const;
export const ERP_OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export const ERP_PROBLEM_KINDS = ['order', 'shift', 'confirmation', 'notification'] as const;

const list = (values: readonly string[]): string => values.map((value) => `'${value}'`).join(', ');

export const erpSyncTables: Migration = {
  version: 8,
  name: 'erp-sync',
  transactional: () => true,
  statements: ({ schema: s }) => [
    // One row per order operation; changed_time decides which version of a record wins. Times NULL: not set.
    `CREATE TABLE IF NOT EXISTS ${s}.erp_orders (
      erp_system text NOT NULL,
      order_id text NOT NULL,
      operation_id text NOT NULL DEFAULT '',
      work_center text NOT NULL,
      asset_id text NULL,
      material text NOT NULL DEFAULT '',
      material_description text NOT NULL DEFAULT '',
      target_quantity double precision NOT NULL DEFAULT 0,
      quantity_unit text NOT NULL DEFAULT '',
      ideal_cycle_time_s double precision NOT NULL DEFAULT 0,
      status text NOT NULL,
      scheduled_start timestamptz NULL,
      scheduled_end timestamptz NULL,
      actual_start timestamptz NULL,
      actual_end timestamptz NULL,
      changed_time timestamptz NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      CONSTRAINT erp_orders_pkey PRIMARY KEY (order_id, operation_id)
    )`,
    `CREATE INDEX IF NOT EXISTS erp_orders_work_center ON ${s}.erp_orders (work_center, status)`,
    `CREATE TABLE IF NOT EXISTS ${s}.erp_sync_state (
      key text PRIMARY KEY,
      cursor text NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    // One row per distinct problem of a record; seen_at is when it was last seen.
    `CREATE TABLE IF NOT EXISTS ${s}.erp_sync_problems (
      id bigserial PRIMARY KEY,
      erp_system text NOT NULL,
      kind text NOT NULL CHECK (kind IN (${list(ERP_PROBLEM_KINDS)})),
      record_id text NOT NULL,
      problem text NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT erp_sync_problems_record_key UNIQUE (erp_system, kind, record_id, problem)
    )`,
    `CREATE INDEX IF NOT EXISTS erp_sync_problems_seen ON ${s}.erp_sync_problems (seen_at DESC)`,
    // id: the idempotency key sent to the ERP (a UUID). revision: what distinguishes decisions of one Kiln
    // reference ('final' for a final confirmation, '' for a notification).
    `CREATE TABLE IF NOT EXISTS ${s}.erp_outbox (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN (${list(ERP_OUTBOX_KINDS)})),
      kiln_ref text NOT NULL,
      revision text NOT NULL DEFAULT '',
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN (${list(ERP_OUTBOX_STATUSES)})),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      last_error text NULL,
      erp_ref text NULL,
      created_at timestamptz NOT NULL,
      sent_at timestamptz NULL,
      CONSTRAINT erp_outbox_decision_key UNIQUE (kind, kiln_ref, revision)
    )`,
    `CREATE INDEX IF NOT EXISTS erp_outbox_due ON ${s}.erp_outbox (next_attempt_at) WHERE status = 'pending'`,
    `CREATE TABLE IF NOT EXISTS ${s}.erp_links (
      kiln_kind text NOT NULL,
      kiln_ref text NOT NULL,
      erp_system text NOT NULL,
      erp_kind text NOT NULL,
      erp_ref text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT erp_links_kiln_key UNIQUE (kiln_kind, kiln_ref, erp_system),
      CONSTRAINT erp_links_erp_key UNIQUE (erp_system, erp_kind, erp_ref)
    )`,
    // The order an asset is producing now, as the counts say: a count of another order completes it.
    `CREATE TABLE IF NOT EXISTS ${s}.erp_order_progress (
      asset_id text PRIMARY KEY,
      order_id text NOT NULL,
      first_time timestamptz NOT NULL,
      last_time timestamptz NOT NULL
    )`,
  ],
};
