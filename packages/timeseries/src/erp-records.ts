// The ERP bridge's records as the store takes and returns them (orders, problems, outbox entries, links, order
// progress), and the asset an outbox entry is about.
import { ERP_OUTBOX_KINDS, ERP_OUTBOX_STATUSES, ERP_PROBLEM_KINDS } from './migrations';

export type ErpOutboxKind = (typeof ERP_OUTBOX_KINDS)[number];
export type ErpOutboxStatus = (typeof ERP_OUTBOX_STATUSES)[number];
export type ErpProblemKind = (typeof ERP_PROBLEM_KINDS)[number];

/** One order operation as an adapter reads it (the fields of erp-sync's ErpOrder), with where it came from. */
export interface ErpOrderRecord {
  readonly orderId: string;
  readonly operationId: string;
  readonly workCenter: string;
  /** The Kiln asset of the work center, where the work-center map knows it. */
  readonly assetId?: string | undefined;
  readonly material: string;
  readonly materialDescription: string;
  readonly targetQuantity: number;
  readonly quantityUnit: string;
  readonly idealCycleTimeS: number;
  readonly status: string;
  /** Epoch microseconds UTC; 0 = not set. */
  readonly scheduledStartUs: number;
  readonly scheduledEndUs: number;
  readonly actualStartUs: number;
  readonly actualEndUs: number;
  readonly changedTimeUs: number;
  /** The ERP's record as read, for diagnosis. */
  readonly payload?: unknown;
}

export interface StoredErpOrder extends ErpOrderRecord {
  readonly erpSystem: string;
  readonly assetId: string | undefined;
}

export interface ErpProblem {
  readonly recordId: string;
  readonly problem: string;
}

export interface StoredErpProblem extends ErpProblem {
  readonly erpSystem: string;
  readonly kind: ErpProblemKind;
  readonly seenUs: number;
}

export interface NewOutboxEntry {
  /** The idempotency key sent to the ERP: deterministic, so a replayed decision derives the same one. */
  readonly id: string;
  readonly kind: ErpOutboxKind;
  /** Order id + operation, or alert id. */
  readonly kilnRef: string;
  /** What tells decisions of one Kiln reference apart ('final'; '' where there is one decision). */
  readonly revision: string;
  /** The Kiln asset the row is about: what scopes it to a site (never parsed out of kilnRef). */
  readonly assetId: string;
  readonly payload: unknown;
  readonly createdUs: number;
}

export interface OutboxEntry {
  readonly id: string;
  readonly kind: ErpOutboxKind;
  readonly kilnRef: string;
  readonly revision: string;
  /** Undefined for a row written before migration 13 whose asset could not be told for sure. */
  readonly assetId: string | undefined;
  readonly payload: unknown;
  readonly status: ErpOutboxStatus;
  /** Send attempts that reached a result (sent, retry later, refused). */
  readonly attempts: number;
  readonly nextAttemptUs: number;
  readonly lastError: string | undefined;
  readonly erpRef: string | undefined;
  readonly createdUs: number;
  readonly sentUs: number | undefined;
}

export interface ErpLink {
  readonly kilnKind: string;
  readonly kilnRef: string;
  readonly erpSystem: string;
  readonly erpKind: string;
  readonly erpRef: string;
}

export interface OrderProgress {
  readonly assetId: string;
  readonly orderId: string;
  readonly firstUs: number;
  readonly lastUs: number;
  /**
   * The interval boundary the order is confirmed through by partial confirmations (migration 9); undefined:
   * nothing of it confirmed yet.
   */
  readonly confirmedThroughUs?: number | undefined;
}

/** A time range of production counts: (fromUs, toUs], a count stamped at toUs inside; an absent bound is open. */
export interface CountRange {
  readonly fromUs?: number | undefined;
  readonly toUs?: number | undefined;
}

/** Production counts of one order on one asset, summed. */
export interface OrderCountTotals {
  readonly totalCount: number;
  readonly goodCount: number;
  readonly scrapCount: number;
  /** Times of the first and last count; undefined when there is none. */
  readonly firstUs: number | undefined;
  readonly lastUs: number | undefined;
}

/** Which order operations {@link ErpStore.listOrders} answers, newest changed first. */
export interface ErpOrderListFilter {
  readonly assetId?: string;
  /** Only operations of assets below this site or area (`acme/plant-1`); operations without an asset never. */
  readonly assetPrefix?: string;
  /** Empty or absent: every status. */
  readonly statuses?: readonly string[];
  readonly limit: number;
  /** The keyset of the last operation of the previous page. */
  readonly after?: { readonly changedTimeUs: number; readonly orderId: string; readonly operationId: string };
}

/** Which outbox rows {@link ErpStore.listOutboxEntries} answers, newest created first. */
export interface ErpOutboxListFilter {
  /** Empty or absent: every status. */
  readonly statuses?: readonly ErpOutboxStatus[];
  readonly kind?: ErpOutboxKind;
  /** Only rows of assets below this site (by their asset_id column); rows whose asset is unknown never. */
  readonly assetPrefix?: string;
  readonly limit: number;
  /** The keyset of the last row of the previous page. */
  readonly after?: { readonly createdUs: number; readonly id: string };
}
