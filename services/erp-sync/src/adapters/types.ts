// The one interface every ERP adapter implements (SAP S/4HANA OData v2, Odoo JSON-RPC, generic REST, CSV files):
// ERP-neutral records in, Kiln's decisions out. Work centers are the ERP's keys; the service joins them to Kiln
// asset ids through the work-center map. Adapters validate what the ERP answers and report a bad record with its
// id instead of throwing, so one bad order never stops a sync.

export type ErpOrderStatusName = 'planned' | 'released' | 'running' | 'completed' | 'closed' | 'cancelled';

export interface ErpOrder {
  readonly orderId: string;
  /** The operation of the order on its work center ("0010"); empty where the ERP has none. */
  readonly operationId: string;
  readonly workCenter: string;
  readonly material: string;
  readonly materialDescription: string;
  readonly targetQuantity: number;
  /** ERP unit, e.g. "PC", "KG". */
  readonly quantityUnit: string;
  /** Seconds per unit at the ideal rate (standard value / reference quantity); 0 = not given. */
  readonly idealCycleTimeS: number;
  readonly status: ErpOrderStatusName;
  /** Epoch microseconds UTC; 0 = not set. */
  readonly scheduledStartUs: number;
  readonly scheduledEndUs: number;
  readonly actualStartUs: number;
  readonly actualEndUs: number;
  readonly changedTimeUs: number;
}

export interface ErpShiftBreak {
  readonly startUs: number;
  readonly endUs: number;
  readonly reason: string;
}

export interface ErpShift {
  readonly workCenter: string;
  /** Stable id of the shift instance, e.g. "2026-12-02/early". */
  readonly shiftId: string;
  readonly name: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly breaks: readonly ErpShiftBreak[];
  readonly cancelled: boolean;
  readonly changedTimeUs: number;
}

/** A record the adapter skipped: its id in the ERP and what was wrong, for the sync report and the logs. */
export interface RecordProblem {
  readonly recordId: string;
  readonly problem: string;
}

export interface ReadResult<T> {
  readonly records: readonly T[];
  readonly problems: readonly RecordProblem[];
  /**
   * Where the next delta read starts (e.g. the greatest last-changed time seen, as the ERP formats it); pass it
   * back as `since`. Unchanged when nothing was read.
   */
  readonly cursor: string | undefined;
}

export interface OrderConfirmation {
  /** A UUID, stable across retries: SAP ExternalSystemConfirmation, an Odoo reference. */
  readonly idempotencyKey: string;
  readonly orderId: string;
  readonly operationId: string;
  readonly workCenter: string;
  readonly yieldQuantity: number;
  readonly scrapQuantity: number;
  readonly quantityUnit: string;
  /** Activity times from Kiln's own data, seconds. */
  readonly machineTimeS: number;
  readonly setupTimeS: number;
  readonly downTimeS: number;
  readonly startUs: number;
  readonly endUs: number;
  /** Final confirmation (the order is done on this work center). */
  readonly final: boolean;
}

export interface MaintenanceRequest {
  /** A UUID, stable across retries; looked up before create where the ERP has no idempotency keys. */
  readonly idempotencyKey: string;
  readonly alertId: string;
  readonly assetId: string;
  readonly workCenter: string;
  readonly cause: string;
  readonly severity: 'info' | 'warning' | 'critical';
  /** Short text (SAP: 40 characters). */
  readonly title: string;
  readonly description: string;
  readonly healthIndex: number | undefined;
  readonly rul: { readonly estimateH: number; readonly lowerH: number; readonly upperH: number } | undefined;
  readonly openedTimeUs: number;
}

export interface PostResult {
  /** The ERP's number of what was created (confirmation counter, notification number, record id). */
  readonly erpRef: string;
  /** True when the ERP already had it (found by its idempotency key): nothing new was created. */
  readonly existing: boolean;
}

/** The ERP cannot be reached or answered 5xx / 429 / timed out: retry later. */
export class ErpUnavailableError extends Error {
  override readonly name = 'ErpUnavailableError';
}

/** The ERP refused the request for a reason a retry does not change (order closed, validation, 4xx): record it. */
export class ErpRejectedError extends Error {
  override readonly name = 'ErpRejectedError';
  constructor(
    message: string,
    /** HTTP status or ERP error code. */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface ErpAdapter {
  /** For logs, metrics and the `erp_system` of events, e.g. "sap", "odoo", "rest", "csv". */
  readonly system: string;
  /** Orders changed since `since` (a cursor of an earlier read; undefined: all open orders). */
  readOrders(since: string | undefined): Promise<ReadResult<ErpOrder>>;
  /** Shift calendars, where this ERP has them. */
  readShifts?(since: string | undefined): Promise<ReadResult<ErpShift>>;
  /** Posts a confirmation exactly once per idempotency key (key on the ERP, or a lookup before create). */
  postConfirmation?(confirmation: OrderConfirmation): Promise<PostResult>;
  /** Creates a maintenance notification / request exactly once per idempotency key. */
  createMaintenanceRequest?(request: MaintenanceRequest): Promise<PostResult>;
}
