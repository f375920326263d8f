// The ERP's production orders and shifts as OEE reads them (production_orders, shifts), stored by the OEE service
// from kiln.erp.order.v1 and kiln.erp.shift.v1: the latest version of each (its changed time decides; an older
// message is ignored), a batch of messages in one transaction of three statements. Each message's span before and
// after tells which windows to recompute. Not the ERP bridge's storage (ErpStore of @kiln/timeseries: orders as
// the ERP holds them, cursors, outbox), hence the name.
import { orderStatusToJSON, type ProductionOrder, type Shift } from '@kiln/contracts';
import { orderSpanFromProductionOrder, shiftSpanFromShift } from '@kiln/oee';
import { epochUsOf, timestampParam, type Database, type Queryable } from '@kiln/timeseries';

/** Where an order or shift runs; an order still running has no end. */
export interface OrderShiftSpan {
  readonly startUs: number;
  readonly endUs?: number;
}

export interface SpanChange<T extends OrderShiftSpan = OrderShiftSpan> {
  readonly previous?: T;
  readonly current?: T;
  /** false: the message was older than the stored one and was ignored. */
  readonly applied: boolean;
}

interface Versioned<T extends OrderShiftSpan> {
  readonly span: T | undefined;
  readonly changedUs: number;
}

/**
 * Folds the messages (in arrival order) onto the stored versions: a message older than the version before it is
 * ignored. Returns each message's change and the last applied message per key, to be written.
 */
function fold<M, T extends OrderShiftSpan>(
  messages: readonly M[],
  stored: ReadonlyMap<string, Versioned<T>>,
  keyOf: (message: M) => string,
  versionOf: (message: M) => Versioned<T>,
): { changes: SpanChange<T>[]; latest: Map<string, M> } {
  const versions = new Map(stored);
  const latest = new Map<string, M>();
  const changes = messages.map((message): SpanChange<T> => {
    const key = keyOf(message);
    const before = versions.get(key);
    const version = versionOf(message);
    if (before !== undefined && before.changedUs > version.changedUs) {
      return { previous: before.span, current: before.span, applied: false };
    }
    versions.set(key, version);
    latest.set(key, message);
    return { previous: before?.span, current: version.span, applied: true };
  });
  return { changes, latest };
}

const spanOf = (startUs: number, endUs: number | null): OrderShiftSpan =>
  endUs === null ? { startUs } : { startUs, endUs };

const keyOf = (assetId: string, id: string): string => JSON.stringify([assetId, id]);

export class OrderShiftStore {
  constructor(
    private readonly db: Database,
    /** Quoted, checked schema name. */
    private readonly s: string,
  ) {}

  /** Stores orders unless a newer version is stored; returns each message's span before and after. */
  async upsertOrders(orders: readonly ProductionOrder[]): Promise<SpanChange[]> {
    if (orders.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const { rows } = await this.lockStored(tx, 'production_orders', 'order_id', orders, (o) => o.orderId);
      const stored = new Map(
        rows.map((row) => [
          keyOf(row.asset_id, row.id),
          {
            span: row.start_us === null ? undefined : spanOf(row.start_us, row.end_us),
            changedUs: row.changed_us,
          },
        ]),
      );
      const folded = fold<ProductionOrder, OrderShiftSpan>(
        orders,
        stored,
        (o) => keyOf(o.assetId, o.orderId),
        (o) => ({ span: orderSpanFromProductionOrder(o), changedUs: o.changedTimeUs }),
      );
      const latest = [...folded.latest.values()];
      const spans = latest.map((o) => orderSpanFromProductionOrder(o));
      await tx.query(
        `INSERT INTO ${this.s}.production_orders AS o
           (asset_id, order_id, start_time, end_time, ideal_cycle_time_s, target_quantity, status, message, changed_at)
         SELECT asset_id, order_id, start_time, end_time, ideal_cycle_time_s, target_quantity, status, message::jsonb,
                changed_at
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::float8[], $6::float8[],
                       $7::text[], $8::text[], $9::timestamptz[])
             AS n(asset_id, order_id, start_time, end_time, ideal_cycle_time_s, target_quantity, status, message,
                  changed_at)
         ON CONFLICT (asset_id, order_id) DO UPDATE SET start_time = EXCLUDED.start_time,
           end_time = EXCLUDED.end_time, ideal_cycle_time_s = EXCLUDED.ideal_cycle_time_s,
           target_quantity = EXCLUDED.target_quantity, status = EXCLUDED.status, message = EXCLUDED.message,
           changed_at = EXCLUDED.changed_at`,
        [
          latest.map((o) => o.assetId),
          latest.map((o) => o.orderId),
          spans.map((span) => (span === undefined ? null : timestampParam(span.startUs, 'order start'))),
          spans.map((span) => (span?.endUs === undefined ? null : timestampParam(span.endUs, 'order end'))),
          latest.map((o, i) => spans[i]?.idealCycleTimeS ?? o.idealCycleTimeS),
          latest.map((o) => o.targetQuantity),
          latest.map((o) => orderStatusToJSON(o.status)),
          latest.map((o) => JSON.stringify({ ...o })),
          latest.map((o) => timestampParam(o.changedTimeUs, 'order changed time')),
        ],
      );
      return folded.changes;
    });
  }

  /** Stores shifts unless a newer version is stored; returns each message's span before and after. */
  async upsertShifts(shifts: readonly Shift[]): Promise<SpanChange[]> {
    if (shifts.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const { rows } = await this.lockStored(tx, 'shifts', 'shift_id', shifts, (s) => s.shiftId);
      const stored = new Map(
        rows.map((row) => [
          keyOf(row.asset_id, row.id),
          {
            span: row.cancelled || row.start_us === null ? undefined : spanOf(row.start_us, row.end_us),
            changedUs: row.changed_us,
          },
        ]),
      );
      const folded = fold<Shift, OrderShiftSpan>(
        shifts,
        stored,
        (s) => keyOf(s.assetId, s.shiftId),
        (s) => ({ span: shiftSpanFromShift(s), changedUs: s.changedTimeUs }),
      );
      const latest = [...folded.latest.values()];
      await tx.query(
        `INSERT INTO ${this.s}.shifts AS s (asset_id, shift_id, name, start_time, end_time, breaks, cancelled, changed_at)
         SELECT asset_id, shift_id, name, start_time, end_time, breaks::jsonb, cancelled, changed_at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[],
                       $7::bool[], $8::timestamptz[])
             AS n(asset_id, shift_id, name, start_time, end_time, breaks, cancelled, changed_at)
         ON CONFLICT (asset_id, shift_id) DO UPDATE SET name = EXCLUDED.name, start_time = EXCLUDED.start_time,
           end_time = EXCLUDED.end_time, breaks = EXCLUDED.breaks, cancelled = EXCLUDED.cancelled,
           changed_at = EXCLUDED.changed_at`,
        [
          latest.map((s) => s.assetId),
          latest.map((s) => s.shiftId),
          latest.map((s) => s.name),
          latest.map((s) => timestampParam(s.startUs, 'shift start')),
          latest.map((s) => timestampParam(s.endUs, 'shift end')),
          latest.map((s) =>
            JSON.stringify(s.breaks.map((b) => ({ startUs: b.startUs, endUs: b.endUs, reason: b.reason }))),
          ),
          latest.map((s) => s.cancelled),
          latest.map((s) => timestampParam(s.changedTimeUs, 'shift changed time')),
        ],
      );
      return folded.changes;
    });
  }

  /** The stored versions of the messages' keys, locked until the transaction ends. */
  private lockStored<M extends { assetId: string }>(
    tx: Queryable,
    table: 'production_orders' | 'shifts',
    idColumn: 'order_id' | 'shift_id',
    messages: readonly M[],
    idOf: (message: M) => string,
  ) {
    return tx.query<{
      asset_id: string;
      id: string;
      start_us: number | null;
      end_us: number | null;
      cancelled: boolean;
      changed_us: number;
    }>(
      `SELECT t.asset_id, t.${idColumn} AS id, ${epochUsOf('t.start_time')} AS start_us,
              ${epochUsOf('t.end_time')} AS end_us, ${table === 'shifts' ? 't.cancelled' : 'false'} AS cancelled,
              ${epochUsOf('t.changed_at')} AS changed_us
         FROM ${this.s}.${table} t
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(asset_id, id)
           ON t.asset_id = k.asset_id AND t.${idColumn} = k.id
        ORDER BY t.asset_id, t.${idColumn}
          FOR UPDATE OF t`,
      [messages.map((m) => m.assetId), messages.map(idOf)],
    );
  }

  /**
   * Removes the stored windows of shifts or orders whose start moved (or which were cancelled): per entry, those of
   * its ref not starting at `keepStartUs`.
   */
  async removeStaleWindows(
    entries: readonly { assetId: string; kind: string; ref: string; keepStartUs?: number }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `DELETE FROM ${this.s}.oee_results r
        USING unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS d(asset_id, kind, ref, keep_start)
        WHERE r.asset_id = d.asset_id AND r.window_kind = d.kind AND r.window_ref = d.ref
          AND (d.keep_start IS NULL OR r.window_start <> d.keep_start)`,
      [
        entries.map((e) => e.assetId),
        entries.map((e) => e.kind),
        entries.map((e) => e.ref),
        entries.map((e) => (e.keepStartUs === undefined ? null : timestampParam(e.keepStartUs))),
      ],
    );
  }
}
