// The ERP-sync service's storage (migrations 8 and 9): the ERP's orders, inbound cursors, problems, the outbox of
// decisions bound for the ERP, the links between Kiln's records and the ERP's, and each asset's current order.
// The outbox is claimed with FOR UPDATE SKIP LOCKED and a lease (next_attempt_at moves past the send), so several
// senders never hold the same row at once and a sender that dies mid-send leaves the row due again later.
import type { Database, Queryable } from './database';
import { ERP_OUTBOX_KINDS as OUTBOX_KINDS, ERP_OUTBOX_STATUSES as OUTBOX_STATUSES } from './migrations';
import type {
  CountRange,
  ErpLink,
  ErpOrderListFilter,
  ErpOrderRecord,
  ErpOutboxListFilter,
  ErpOutboxStatus,
  ErpProblem,
  ErpProblemKind,
  NewOutboxEntry,
  OrderCountTotals,
  OrderProgress,
  OutboxEntry,
  StoredErpOrder,
  StoredErpProblem,
} from './erp-records';
import {
  ORDER_COLUMNS,
  OUTBOX_COLUMNS,
  optionalTime,
  orderOf,
  outboxOf,
  type OrderRow,
  type OutboxRow,
} from './erp-rows';
import {
  checkedSchema,
  checkLimit,
  checkOneOf,
  epochUsOf,
  InvalidArgumentError,
  positionalParameters,
  timestampParam,
} from './sql';

function isDatabase(db: Queryable): db is Database {
  return 'transaction' in db && typeof (db as Partial<Database>).transaction === 'function';
}

export class ErpStore {
  readonly schema: string;
  private readonly orders: string;
  private readonly state: string;
  private readonly problems: string;
  private readonly outbox: string;
  private readonly links: string;
  private readonly progress: string;
  private readonly counts: string;
  private readonly machineStates: string;
  private readonly alerts: string;

  /** `db`: a Database, or the Queryable of a transaction (see {@link ErpStore.transaction}). */
  constructor(
    private readonly db: Queryable,
    schema?: string,
  ) {
    this.schema = checkedSchema(schema);
    const s = `"${this.schema}"`;
    this.orders = `${s}.erp_orders`;
    this.state = `${s}.erp_sync_state`;
    this.problems = `${s}.erp_sync_problems`;
    this.outbox = `${s}.erp_outbox`;
    this.links = `${s}.erp_links`;
    this.progress = `${s}.erp_order_progress`;
    this.counts = `${s}.production_counts`;
    this.machineStates = `${s}.machine_states`;
    this.alerts = `${s}.maintenance_alerts`;
  }

  /** Runs `work` in one transaction with a store bound to it: everything it writes commits or none of it. */
  transaction<T>(work: (store: ErpStore) => Promise<T>): Promise<T> {
    const db = this.db;
    if (!isDatabase(db)) {
      throw new InvalidArgumentError(
        'ErpStore.transaction needs a Database, not the Queryable of a transaction',
      );
    }
    return db.transaction((tx) => work(new ErpStore(tx, this.schema)));
  }

  // --- orders (inbound) -------------------------------------------------------------------------------------

  /** Upserts order operations; a record older than the stored one (changedTimeUs) changes nothing. */
  async upsertOrders(erpSystem: string, orders: readonly ErpOrderRecord[]): Promise<number> {
    let written = 0;
    // The newest version of a key wins within one call too (ON CONFLICT refuses a key twice in one statement).
    const newest = new Map<string, ErpOrderRecord>();
    for (const order of orders) {
      const key = `${order.orderId}\u0000${order.operationId}`;
      const seen = newest.get(key);
      if (seen === undefined || seen.changedTimeUs <= order.changedTimeUs) newest.set(key, order);
    }
    for (const order of newest.values()) {
      const at = `order "${order.orderId}" operation "${order.operationId}"`;
      const { rowCount } = await this.db.query(
        `INSERT INTO ${this.orders} (erp_system, order_id, operation_id, work_center, asset_id, material,
           material_description, target_quantity, quantity_unit, ideal_cycle_time_s, status, scheduled_start,
           scheduled_end, actual_start, actual_end, changed_time, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz, $13::timestamptz, $14::timestamptz,
           $15::timestamptz, $16::timestamptz, $17::jsonb)
         ON CONFLICT (order_id, operation_id) DO UPDATE
            SET erp_system = EXCLUDED.erp_system, work_center = EXCLUDED.work_center, asset_id = EXCLUDED.asset_id,
                material = EXCLUDED.material, material_description = EXCLUDED.material_description,
                target_quantity = EXCLUDED.target_quantity, quantity_unit = EXCLUDED.quantity_unit,
                ideal_cycle_time_s = EXCLUDED.ideal_cycle_time_s, status = EXCLUDED.status,
                scheduled_start = EXCLUDED.scheduled_start, scheduled_end = EXCLUDED.scheduled_end,
                actual_start = EXCLUDED.actual_start, actual_end = EXCLUDED.actual_end,
                changed_time = EXCLUDED.changed_time, payload = EXCLUDED.payload
          WHERE ${this.orders}.changed_time <= EXCLUDED.changed_time`,
        [
          erpSystem,
          order.orderId,
          order.operationId,
          order.workCenter,
          order.assetId ?? null,
          order.material,
          order.materialDescription,
          order.targetQuantity,
          order.quantityUnit,
          order.idealCycleTimeS,
          order.status,
          optionalTime(order.scheduledStartUs, `${at} scheduledStartUs`),
          optionalTime(order.scheduledEndUs, `${at} scheduledEndUs`),
          optionalTime(order.actualStartUs, `${at} actualStartUs`),
          optionalTime(order.actualEndUs, `${at} actualEndUs`),
          timestampParam(order.changedTimeUs, `${at} changedTimeUs`),
          JSON.stringify(order.payload ?? {}),
        ],
      );
      written += rowCount;
    }
    return written;
  }

  /** The operations of an order, by operation id; empty when the ERP never sent it. */
  async orderOf(orderId: string): Promise<StoredErpOrder[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ${this.orders} WHERE order_id = $1 ORDER BY operation_id`,
      [orderId],
    );
    return rows.map(orderOf);
  }

  /** Order operations newest changed first (ties by order id, then operation id, descending), after `after`. */
  async listOrders(filter: ErpOrderListFilter): Promise<StoredErpOrder[]> {
    checkLimit(filter.limit);
    const where: string[] = [];
    const { params, param } = positionalParameters();
    if (filter.assetId !== undefined) where.push(`asset_id = ${param(filter.assetId)}`);
    if (filter.assetPrefix !== undefined) {
      where.push(`starts_with(asset_id, ${param(`${filter.assetPrefix}/`)}::text)`);
    }
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      where.push(`status = ANY(${param([...filter.statuses])}::text[])`);
    }
    if (filter.after !== undefined) {
      const changed = param(timestampParam(filter.after.changedTimeUs, 'after.changedTimeUs'));
      where.push(
        `(changed_time, order_id, operation_id) < (${changed}::timestamptz, ${param(filter.after.orderId)}::text,
          ${param(filter.after.operationId)}::text)`,
      );
    }
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ${this.orders}
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY changed_time DESC, order_id DESC, operation_id DESC
        LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(orderOf);
  }

  // --- cursors and problems ---------------------------------------------------------------------------------

  async cursor(key: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ cursor: string | null }>(
      `SELECT cursor FROM ${this.state} WHERE key = $1`,
      [key],
    );
    return rows[0]?.cursor ?? undefined;
  }

  async setCursor(key: string, cursor: string | undefined, nowUs: number = Date.now() * 1000): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.state} (key, cursor, updated_at) VALUES ($1, $2, $3::timestamptz)
       ON CONFLICT (key) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at`,
      [key, cursor ?? null, timestampParam(nowUs, `cursor "${key}" time`)],
    );
  }

  /** Records problems; a problem already recorded for the record is kept once, its seen time moved. */
  async recordProblems(
    erpSystem: string,
    kind: ErpProblemKind,
    problems: readonly ErpProblem[],
    nowUs: number = Date.now() * 1000,
  ): Promise<void> {
    const unique = [...new Map(problems.map((p) => [`${p.recordId}\u0000${p.problem}`, p])).values()];
    if (unique.length === 0) return;
    await this.db.query(
      `INSERT INTO ${this.problems} (erp_system, kind, record_id, problem, seen_at)
       SELECT $1, $2, record_id, problem, $5::timestamptz FROM unnest($3::text[], $4::text[]) AS p(record_id, problem)
       ON CONFLICT (erp_system, kind, record_id, problem) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
      [
        erpSystem,
        kind,
        unique.map((p) => p.recordId),
        unique.map((p) => p.problem),
        timestampParam(nowUs, 'problem time'),
      ],
    );
  }

  /** Problems, last seen first. */
  async listProblems(limit: number, kind?: ErpProblemKind): Promise<StoredErpProblem[]> {
    const { rows } = await this.db.query<{
      erp_system: string;
      kind: ErpProblemKind;
      record_id: string;
      problem: string;
      seen_us: number;
    }>(
      `SELECT erp_system, kind, record_id, problem, ${epochUsOf('seen_at')} AS seen_us FROM ${this.problems}
        WHERE $2::text IS NULL OR kind = $2 ORDER BY seen_at DESC, id DESC LIMIT $1`,
      [limit, kind ?? null],
    );
    return rows.map((row) => ({
      erpSystem: row.erp_system,
      kind: row.kind,
      recordId: row.record_id,
      problem: row.problem,
      seenUs: row.seen_us,
    }));
  }

  // --- outbox -----------------------------------------------------------------------------------------------

  /**
   * Inserts a decision, due at once; false when the decision (its id or its kind, reference and revision) is
   * there already. Call inside the transaction that makes the decision.
   */
  async insertOutbox(entry: NewOutboxEntry): Promise<boolean> {
    const json = JSON.stringify(entry.payload);
    if (json === undefined) {
      throw new InvalidArgumentError(
        `outbox payload of ${entry.kind} "${entry.kilnRef}" is not JSON-serializable`,
      );
    }
    const created = timestampParam(entry.createdUs, `outbox ${entry.kind} "${entry.kilnRef}" createdUs`);
    const { rowCount } = await this.db.query(
      `INSERT INTO ${this.outbox} (id, kind, kiln_ref, revision, asset_id, payload, status, attempts,
         next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending', 0, $7::timestamptz, $7::timestamptz)
       ON CONFLICT DO NOTHING`,
      [entry.id, entry.kind, entry.kilnRef, entry.revision, entry.assetId, json, created],
    );
    return rowCount > 0;
  }

  /**
   * Claims up to `limit` pending rows due at `nowUs`, oldest due first, and leases them until `leaseUntilUs`
   * (their next_attempt_at): another sender skips them while locked and does not see them due until the lease
   * ends, so a sender that dies mid-send leaves its rows to be sent again after the lease. A final confirmation
   * waits while partial confirmations of its order operation are pending: an ERP may refuse quantities confirmed
   * after the final one.
   */
  async claimDue(nowUs: number, leaseUntilUs: number, limit: number): Promise<OutboxEntry[]> {
    const { rows } = await this.db.query<OutboxRow>(
      `UPDATE ${this.outbox} AS o SET next_attempt_at = $2::timestamptz
         FROM (SELECT id AS due_id FROM ${this.outbox} AS d
                WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
                  AND NOT (d.kind = 'confirmation' AND d.revision = 'final' AND EXISTS (
                        SELECT 1 FROM ${this.outbox} AS p
                         WHERE p.kind = 'confirmation' AND p.kiln_ref = d.kiln_ref AND p.status = 'pending'
                           AND starts_with(p.revision, 'partial/')))
                ORDER BY next_attempt_at, id
                LIMIT $3
                FOR UPDATE SKIP LOCKED) AS due
        WHERE o.id = due.due_id
        RETURNING ${OUTBOX_COLUMNS}`,
      [timestampParam(nowUs, 'claim time'), timestampParam(leaseUntilUs, 'lease end'), limit],
    );
    return rows.map(outboxOf).sort((a, b) => a.createdUs - b.createdUs || a.id.localeCompare(b.id));
  }

  /** The ERP has it: sent, with its reference. Counts the attempt. */
  async markSent(id: string, erpRef: string, nowUs: number): Promise<void> {
    await this.db.query(
      `UPDATE ${this.outbox}
          SET status = 'sent', erp_ref = $2, sent_at = $3::timestamptz, attempts = attempts + 1, last_error = NULL
        WHERE id = $1 AND status = 'pending'`,
      [id, erpRef, timestampParam(nowUs, 'sent time')],
    );
  }

  /**
   * Not sent this time: due again at `nextAttemptUs`. `counted` false (the circuit breaker held the call back)
   * leaves the attempt count as it was.
   */
  async markRetry(id: string, error: string, nextAttemptUs: number, counted = true): Promise<void> {
    await this.db.query(
      `UPDATE ${this.outbox}
          SET next_attempt_at = $3::timestamptz, last_error = $2, attempts = attempts + $4
        WHERE id = $1 AND status = 'pending'`,
      [id, error, timestampParam(nextAttemptUs, 'next attempt time'), counted ? 1 : 0],
    );
  }

  /** Refused by the ERP, or given up: failed, with the error, never tried again by the sender. */
  async markFailed(id: string, error: string, counted = true): Promise<void> {
    await this.db.query(
      `UPDATE ${this.outbox} SET status = 'failed', last_error = $2, attempts = attempts + $3
        WHERE id = $1 AND status = 'pending'`,
      [id, error, counted ? 1 : 0],
    );
  }

  async outboxEntry(id: string): Promise<OutboxEntry | undefined> {
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM ${this.outbox} WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : outboxOf(row);
  }

  /** Outbox rows, oldest first, optionally of one status. */
  async listOutbox(limit: number, status?: ErpOutboxStatus): Promise<OutboxEntry[]> {
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM ${this.outbox} WHERE $2::text IS NULL OR status = $2
        ORDER BY created_at, id LIMIT $1`,
      [limit, status ?? null],
    );
    return rows.map(outboxOf);
  }

  /** Outbox rows newest created first (ties by id, descending), after `after`, with their errors. */
  async listOutboxEntries(filter: ErpOutboxListFilter): Promise<OutboxEntry[]> {
    checkLimit(filter.limit);
    const where: string[] = [];
    const { params, param } = positionalParameters();
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      for (const status of filter.statuses) checkOneOf(status, OUTBOX_STATUSES, 'outbox status');
      where.push(`status = ANY(${param([...filter.statuses])}::text[])`);
    }
    if (filter.kind !== undefined) {
      checkOneOf(filter.kind, OUTBOX_KINDS, 'outbox kind');
      where.push(`kind = ${param(filter.kind)}`);
    }
    if (filter.assetPrefix !== undefined) {
      where.push(`starts_with(asset_id, ${param(`${filter.assetPrefix}/`)}::text)`);
    }
    if (filter.after !== undefined) {
      const created = param(timestampParam(filter.after.createdUs, 'after.createdUs'));
      where.push(`(created_at, id) < (${created}::timestamptz, ${param(filter.after.id)}::text)`);
    }
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM ${this.outbox}
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY created_at DESC, id DESC
        LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(outboxOf);
  }

  async outboxCounts(): Promise<Record<ErpOutboxStatus, number>> {
    const { rows } = await this.db.query<{ status: ErpOutboxStatus; count: string }>(
      `SELECT status, count(*)::text AS count FROM ${this.outbox} GROUP BY status`,
    );
    const counts: Record<ErpOutboxStatus, number> = { pending: 0, sent: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  // --- links ------------------------------------------------------------------------------------------------

  /** Stores a link both ways; a link already stored (either way) is kept. */
  async addLink(link: ErpLink, nowUs: number = Date.now() * 1000): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.links} (kiln_kind, kiln_ref, erp_system, erp_kind, erp_ref, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT DO NOTHING`,
      [
        link.kilnKind,
        link.kilnRef,
        link.erpSystem,
        link.erpKind,
        link.erpRef,
        timestampParam(nowUs, 'link time'),
      ],
    );
  }

  async linkOfKiln(kilnKind: string, kilnRef: string, erpSystem: string): Promise<ErpLink | undefined> {
    return this.link(`kiln_kind = $1 AND kiln_ref = $2 AND erp_system = $3`, [kilnKind, kilnRef, erpSystem]);
  }

  async linkOfErp(erpSystem: string, erpKind: string, erpRef: string): Promise<ErpLink | undefined> {
    return this.link(`erp_system = $1 AND erp_kind = $2 AND erp_ref = $3`, [erpSystem, erpKind, erpRef]);
  }

  private async link(where: string, params: readonly string[]): Promise<ErpLink | undefined> {
    const { rows } = await this.db.query<{
      kiln_kind: string;
      kiln_ref: string;
      erp_system: string;
      erp_kind: string;
      erp_ref: string;
    }>(`SELECT kiln_kind, kiln_ref, erp_system, erp_kind, erp_ref FROM ${this.links} WHERE ${where}`, params);
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          kilnKind: row.kiln_kind,
          kilnRef: row.kiln_ref,
          erpSystem: row.erp_system,
          erpKind: row.erp_kind,
          erpRef: row.erp_ref,
        };
  }

  /** Merges `details` over a maintenance alert's details (any status); false when there is no such alert. */
  async addAlertDetails(alertId: string, details: Record<string, string>): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE ${this.alerts} SET details = details || $2::jsonb WHERE alert_id = $1`,
      [alertId, JSON.stringify(details)],
    );
    return rowCount > 0;
  }

  // --- order progress and what an order produced --------------------------------------------------------------

  /** The asset's current order; `lock` takes the row lock until the transaction ends (use inside one). */
  async progressOf(assetId: string, lock = false): Promise<OrderProgress | undefined> {
    const { rows } = await this.db.query<{
      order_id: string;
      first_us: number;
      last_us: number;
      confirmed_through_us: number | null;
    }>(
      `SELECT order_id, ${epochUsOf('first_time')} AS first_us, ${epochUsOf('last_time')} AS last_us,
              ${epochUsOf('confirmed_through')} AS confirmed_through_us
         FROM ${this.progress} WHERE asset_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [assetId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const progress = { assetId, orderId: row.order_id, firstUs: row.first_us, lastUs: row.last_us };
    return row.confirmed_through_us === null
      ? progress
      : { ...progress, confirmedThroughUs: row.confirmed_through_us };
  }

  async setProgress(progress: OrderProgress): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.progress} (asset_id, order_id, first_time, last_time, confirmed_through)
       VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5::timestamptz)
       ON CONFLICT (asset_id) DO UPDATE
          SET order_id = EXCLUDED.order_id, first_time = EXCLUDED.first_time, last_time = EXCLUDED.last_time,
              confirmed_through = EXCLUDED.confirmed_through`,
      [
        progress.assetId,
        progress.orderId,
        timestampParam(progress.firstUs, `progress of asset "${progress.assetId}" firstUs`),
        timestampParam(progress.lastUs, `progress of asset "${progress.assetId}" lastUs`),
        progress.confirmedThroughUs === undefined
          ? null
          : timestampParam(
              progress.confirmedThroughUs,
              `progress of asset "${progress.assetId}" confirmedThroughUs`,
            ),
      ],
    );
  }

  /**
   * Yield and scrap already confirmed by partial confirmations of an order on an asset (outbox rows of revision
   * `partial/...`, whatever their delivery state): the final confirmation books the rest.
   */
  async partiallyConfirmed(kilnRef: string): Promise<{ goodCount: number; scrapCount: number }> {
    const { rows } = await this.db.query<{ good: number | null; scrap: number | null }>(
      `SELECT sum((payload->>'yieldQuantity')::float8) AS good, sum((payload->>'scrapQuantity')::float8) AS scrap
         FROM ${this.outbox} WHERE kind = 'confirmation' AND kiln_ref = $1 AND revision LIKE 'partial/%'`,
      [kilnRef],
    );
    return { goodCount: rows[0]?.good ?? 0, scrapCount: rows[0]?.scrap ?? 0 };
  }

  /**
   * Sums of the production counts of an order on an asset (production_counts, written by the historian), all of
   * them or those of `range` under the boundary rule of docs/oee.md: a count covers (interval start, time], so the
   * range (fromUs, toUs] holds the counts stamped after fromUs up to and including toUs (a shift's last count,
   * stamped at its end, is that shift's). Counts are whole here: an ERP books parts, not shares of them.
   */
  async orderCounts(assetId: string, orderId: string, range: CountRange = {}): Promise<OrderCountTotals> {
    const { rows } = await this.db.query<{
      total: number | null;
      good: number | null;
      scrap: number | null;
      first_us: number | null;
      last_us: number | null;
    }>(
      `SELECT sum(total_count)::float8 AS total, sum(good_count)::float8 AS good, sum(scrap_count)::float8 AS scrap,
              ${epochUsOf('min(time)')} AS first_us, ${epochUsOf('max(time)')} AS last_us
         FROM ${this.counts}
        WHERE asset_id = $1 AND order_id = $2
          AND ($3::timestamptz IS NULL OR time > $3::timestamptz)
          AND ($4::timestamptz IS NULL OR time <= $4::timestamptz)`,
      [
        assetId,
        orderId,
        range.fromUs === undefined ? null : timestampParam(range.fromUs, 'range.fromUs'),
        range.toUs === undefined ? null : timestampParam(range.toUs, 'range.toUs'),
      ],
    );
    const row = rows[0];
    return {
      totalCount: row?.total ?? 0,
      goodCount: row?.good ?? 0,
      scrapCount: row?.scrap ?? 0,
      firstUs: row?.first_us ?? undefined,
      lastUs: row?.last_us ?? undefined,
    };
  }

  /**
   * Seconds the asset spent in each machine state within [fromUs, toUs): a state lasts from its row until the
   * asset's next row, and the state in force at `fromUs` counts from there.
   */
  async stateDurations(assetId: string, fromUs: number, toUs: number): Promise<Map<string, number>> {
    if (toUs <= fromUs) return new Map();
    const { rows } = await this.db.query<{ state: string; seconds: number }>(
      `WITH spans AS (
         SELECT state, time, lead(time) OVER (ORDER BY time) AS next_time
           FROM ${this.machineStates}
          WHERE asset_id = $1 AND time < $3::timestamptz
            AND time >= coalesce((SELECT max(time) FROM ${this.machineStates}
                                   WHERE asset_id = $1 AND time <= $2::timestamptz), $2::timestamptz)
       ), clipped AS (
         SELECT state, greatest(time, $2::timestamptz) AS span_start,
                least(coalesce(next_time, $3::timestamptz), $3::timestamptz) AS span_end
           FROM spans
       )
       SELECT state, sum(extract(epoch FROM span_end - span_start))::float8 AS seconds
         FROM clipped WHERE span_end > span_start GROUP BY state ORDER BY state`,
      [assetId, timestampParam(fromUs, 'fromUs'), timestampParam(toUs, 'toUs')],
    );
    return new Map(rows.map((row) => [row.state, row.seconds]));
  }
}
