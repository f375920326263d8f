// The ERP simulator's books: work centers (joined to the simulated plant's assets), production orders with their
// operation and standard values, shift calendars, and what Kiln posted back (confirmations, maintenance
// notifications). ERP-neutral: the SAP OData and Odoo JSON-RPC faces (sap-routes.ts, odoo-routes.ts) and the generic
// REST face (rest-routes.ts) read and write the same records, so every adapter sees the same plant.

/** SAP-like system status of an order; the Odoo face maps it onto mrp.production states. */
export type ErpOrderStatus = 'CRTD' | 'REL' | 'PCNF' | 'CNF' | 'TECO' | 'CLSD' | 'DLT';

export interface ErpWorkCenter {
  /** ERP key, e.g. "L1M01". */
  readonly id: string;
  readonly plant: string;
  readonly description: string;
  /** The Kiln asset the work center is (for the simulator's own bookkeeping; ERPs do not know Kiln ids). */
  readonly assetId: string;
}

export interface ErpOrderRecord {
  orderId: string;
  /** Operation of the order on its work center, e.g. "0010". */
  operationId: string;
  workCenter: string;
  material: string;
  materialDescription: string;
  targetQuantity: number;
  /** ERP unit of measure, e.g. "PC". */
  unit: string;
  /** Machine standard value (seconds) for `referenceQuantity` units: ideal cycle time = value / quantity. */
  machineStandardValueS: number;
  referenceQuantity: number;
  status: ErpOrderStatus;
  scheduledStartMs: number;
  scheduledEndMs: number;
  actualStartMs: number | undefined;
  actualEndMs: number | undefined;
  /** Last change (delta reads filter on it). */
  changedMs: number;
  confirmedYield: number;
  confirmedScrap: number;
}

export interface ErpShiftBreak {
  readonly startMs: number;
  readonly endMs: number;
  readonly reason: string;
}

export interface ErpShiftRecord {
  workCenter: string;
  shiftId: string;
  name: string;
  startMs: number;
  endMs: number;
  breaks: ErpShiftBreak[];
  cancelled: boolean;
  changedMs: number;
}

export interface ReceivedConfirmation {
  /** The ERP's number of the confirmation. */
  readonly confirmationId: string;
  /** The sender's key (SAP ExternalSystemConfirmation / an Odoo reference): one confirmation per key. */
  readonly externalKey: string;
  readonly orderId: string;
  readonly operationId: string;
  readonly yieldQuantity: number;
  readonly scrapQuantity: number;
  readonly final: boolean;
  readonly machineTimeS: number;
  readonly setupTimeS: number;
  readonly downTimeS: number;
  readonly via: string;
  readonly receivedMs: number;
}

export interface ReceivedNotification {
  readonly notificationId: string;
  readonly externalKey: string;
  readonly workCenter: string;
  readonly text: string;
  readonly longText: string;
  /** 1 (very high) to 4 (low), as SAP priorities. */
  readonly priority: number;
  readonly via: string;
  readonly receivedMs: number;
}

/** A write the ERP refuses for business reasons (order closed, unknown work center): never worth a retry. */
export class ErpBusinessError extends Error {
  override readonly name = 'ErpBusinessError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ErpDataset {
  readonly workCenters = new Map<string, ErpWorkCenter>();
  readonly orders = new Map<string, ErpOrderRecord>();
  readonly shifts = new Map<string, ErpShiftRecord>();
  readonly confirmations: ReceivedConfirmation[] = [];
  readonly notifications: ReceivedNotification[] = [];
  private confirmationSeq = 0;
  private notificationSeq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  addWorkCenter(workCenter: ErpWorkCenter): void {
    this.workCenters.set(workCenter.id, workCenter);
  }

  /** Adds or replaces an order; its change time is now unless given. */
  upsertOrder(order: Omit<ErpOrderRecord, 'changedMs'> & { changedMs?: number }): ErpOrderRecord {
    const record: ErpOrderRecord = { ...order, changedMs: order.changedMs ?? this.now() };
    this.orders.set(record.orderId, record);
    return record;
  }

  upsertShift(shift: Omit<ErpShiftRecord, 'changedMs'> & { changedMs?: number }): ErpShiftRecord {
    const record: ErpShiftRecord = { ...shift, changedMs: shift.changedMs ?? this.now() };
    this.shifts.set(`${record.workCenter}/${record.shiftId}`, record);
    return record;
  }

  /**
   * Books a confirmation. A key seen before returns the earlier confirmation (the ERP deduplicates on it); a closed,
   * technically completed or deleted order refuses it.
   */
  confirm(input: Omit<ReceivedConfirmation, 'confirmationId' | 'receivedMs'>): ReceivedConfirmation {
    const earlier = this.confirmations.find(
      (c) => c.externalKey !== '' && c.externalKey === input.externalKey,
    );
    if (earlier !== undefined) return earlier;
    const order = this.orders.get(input.orderId);
    if (order === undefined)
      throw new ErpBusinessError('ORDER_NOT_FOUND', `Order ${input.orderId} does not exist`);
    if (order.status === 'TECO' || order.status === 'CLSD' || order.status === 'DLT') {
      throw new ErpBusinessError(
        'ORDER_CLOSED',
        `Order ${input.orderId} has status ${order.status}: no confirmation possible`,
      );
    }
    this.confirmationSeq += 1;
    const confirmation: ReceivedConfirmation = {
      ...input,
      confirmationId: String(this.confirmationSeq).padStart(10, '0'),
      receivedMs: this.now(),
    };
    this.confirmations.push(confirmation);
    order.confirmedYield += input.yieldQuantity;
    order.confirmedScrap += input.scrapQuantity;
    order.status = input.final ? 'CNF' : 'PCNF';
    if (input.final) order.actualEndMs ??= this.now();
    order.changedMs = this.now();
    return confirmation;
  }

  /** Creates a maintenance notification; a key seen before returns the earlier one. */
  notify(input: Omit<ReceivedNotification, 'notificationId' | 'receivedMs'>): ReceivedNotification {
    const earlier = this.notifications.find(
      (n) => n.externalKey !== '' && n.externalKey === input.externalKey,
    );
    if (earlier !== undefined) return earlier;
    if (!this.workCenters.has(input.workCenter)) {
      throw new ErpBusinessError('WORK_CENTER_NOT_FOUND', `Work center ${input.workCenter} does not exist`);
    }
    this.notificationSeq += 1;
    const notification: ReceivedNotification = {
      ...input,
      notificationId: String(10_000_000 + this.notificationSeq),
      receivedMs: this.now(),
    };
    this.notifications.push(notification);
    return notification;
  }
}
