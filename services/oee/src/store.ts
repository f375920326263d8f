// The OEE service's reads and writes: the inputs of a window (states, counts, orders, shifts) and the windows it
// stores (oee_results, upserted by asset, window kind and window start; DESIGN.md section 3). The database is the
// source of truth: no state is kept in memory, so a new owner of a partition resumes from here.
import {
  machineStateFromJSON,
  OeeResult,
  OeeWindowKind,
  oeeWindowKindToJSON,
  orderStatusToJSON,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';
import {
  orderSpanFromProductionOrder,
  shiftSpanFromShift,
  type CountDelta,
  type OrderSpan,
  type ShiftSpan,
  type StateChange,
  type TimeRange,
} from '@kiln/oee';
import { checkedSchema, epochUsOf, timestampParam, type Database } from '@kiln/timeseries';

const KIND_PREFIX = 'OEE_WINDOW_KIND_';

/** The stored name of a window kind: HOUR, SHIFT, ORDER, DAY. */
export function kindName(kind: OeeWindowKind): string {
  return oeeWindowKindToJSON(kind).slice(KIND_PREFIX.length);
}

export interface SpanChange<T> {
  readonly previous?: T;
  readonly current?: T;
  /** false: the message was older than the stored one and was ignored. */
  readonly applied: boolean;
}

export interface ResultToPublish {
  readonly message: OeeResult;
}

export interface DueAsset {
  readonly assetId: string;
  readonly closedThroughUs: number;
}

interface OrderRow {
  order_id: string;
  start_us: number | null;
  end_us: number | null;
  ideal_cycle_time_s: number;
  target_quantity: number;
}

interface ShiftRow {
  shift_id: string;
  start_us: number;
  end_us: number;
  breaks: { startUs: number; endUs: number; reason?: string }[];
  cancelled: boolean;
}

function orderSpanOf(row: OrderRow): OrderSpan | undefined {
  if (row.start_us === null) return undefined;
  return {
    orderId: row.order_id,
    startUs: row.start_us,
    ...(row.end_us === null ? {} : { endUs: row.end_us }),
    idealCycleTimeS: row.ideal_cycle_time_s,
    targetQuantity: row.target_quantity,
  };
}

function shiftSpanOf(row: ShiftRow): ShiftSpan | undefined {
  if (row.cancelled) return undefined;
  return { shiftId: row.shift_id, startUs: row.start_us, endUs: row.end_us, breaks: row.breaks };
}

const ORDER_COLUMNS = `order_id, ${epochUsOf('start_time')} AS start_us, ${epochUsOf('end_time')} AS end_us,
  ideal_cycle_time_s, target_quantity`;
const SHIFT_COLUMNS = `shift_id, ${epochUsOf('start_time')} AS start_us, ${epochUsOf('end_time')} AS end_us,
  breaks, cancelled`;

export class OeeStore {
  private readonly s: string;

  constructor(
    private readonly db: Database,
    schema: string,
  ) {
    this.s = `"${checkedSchema(schema)}"`;
  }

  /** Stores an order unless a newer version is stored; returns its span before and after. */
  async upsertOrder(order: ProductionOrder): Promise<SpanChange<OrderSpan>> {
    const span = orderSpanFromProductionOrder(order);
    return this.db.transaction(async (tx) => {
      const before = await tx.query<OrderRow & { changed_us: number }>(
        `SELECT ${ORDER_COLUMNS}, ${epochUsOf('changed_at')} AS changed_us FROM ${this.s}.production_orders
          WHERE asset_id = $1 AND order_id = $2 FOR UPDATE`,
        [order.assetId, order.orderId],
      );
      const stored = before.rows[0];
      const previous = stored === undefined ? undefined : orderSpanOf(stored);
      if (stored !== undefined && stored.changed_us > order.changedTimeUs) {
        return { previous, current: previous, applied: false };
      }
      await tx.query(
        `INSERT INTO ${this.s}.production_orders AS o
           (asset_id, order_id, start_time, end_time, ideal_cycle_time_s, target_quantity, status, message, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
         ON CONFLICT (asset_id, order_id) DO UPDATE SET start_time = EXCLUDED.start_time,
           end_time = EXCLUDED.end_time, ideal_cycle_time_s = EXCLUDED.ideal_cycle_time_s,
           target_quantity = EXCLUDED.target_quantity, status = EXCLUDED.status, message = EXCLUDED.message,
           changed_at = EXCLUDED.changed_at`,
        [
          order.assetId,
          order.orderId,
          span === undefined ? null : timestampParam(span.startUs, 'order start'),
          span?.endUs === undefined ? null : timestampParam(span.endUs, 'order end'),
          span?.idealCycleTimeS ?? order.idealCycleTimeS,
          order.targetQuantity,
          orderStatusToJSON(order.status),
          JSON.stringify({ ...order }),
          timestampParam(order.changedTimeUs, 'order changed time'),
        ],
      );
      return { previous, current: span, applied: true };
    });
  }

  /** Stores a shift unless a newer version is stored; returns its span before and after. */
  async upsertShift(shift: Shift): Promise<SpanChange<ShiftSpan>> {
    const span = shiftSpanFromShift(shift);
    return this.db.transaction(async (tx) => {
      const before = await tx.query<ShiftRow & { changed_us: number }>(
        `SELECT ${SHIFT_COLUMNS}, ${epochUsOf('changed_at')} AS changed_us FROM ${this.s}.shifts
          WHERE asset_id = $1 AND shift_id = $2 FOR UPDATE`,
        [shift.assetId, shift.shiftId],
      );
      const stored = before.rows[0];
      const previous = stored === undefined ? undefined : shiftSpanOf(stored);
      if (stored !== undefined && stored.changed_us > shift.changedTimeUs) {
        return { previous, current: previous, applied: false };
      }
      await tx.query(
        `INSERT INTO ${this.s}.shifts AS s (asset_id, shift_id, name, start_time, end_time, breaks, cancelled, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
         ON CONFLICT (asset_id, shift_id) DO UPDATE SET name = EXCLUDED.name, start_time = EXCLUDED.start_time,
           end_time = EXCLUDED.end_time, breaks = EXCLUDED.breaks, cancelled = EXCLUDED.cancelled,
           changed_at = EXCLUDED.changed_at`,
        [
          shift.assetId,
          shift.shiftId,
          shift.name,
          timestampParam(shift.startUs, 'shift start'),
          timestampParam(shift.endUs, 'shift end'),
          JSON.stringify(shift.breaks.map((b) => ({ startUs: b.startUs, endUs: b.endUs, reason: b.reason }))),
          shift.cancelled,
          timestampParam(shift.changedTimeUs, 'shift changed time'),
        ],
      );
      return { previous, current: span, applied: true };
    });
  }

  /** Removes a stored window of a shift or order whose start moved (or which was cancelled). */
  async removeStaleWindows(assetId: string, kind: OeeWindowKind, ref: string, keepStartUs?: number) {
    await this.db.query(
      `DELETE FROM ${this.s}.oee_results
        WHERE asset_id = $1 AND window_kind = $2 AND window_ref = $3 AND ($4::timestamptz IS NULL OR window_start <> $4)`,
      [assetId, kindName(kind), ref, keepStartUs === undefined ? null : timestampParam(keepStartUs)],
    );
  }

  async hasErpShifts(assetId: string): Promise<boolean> {
    const { rows } = await this.db.query(`SELECT 1 FROM ${this.s}.shifts WHERE asset_id = $1 LIMIT 1`, [
      assetId,
    ]);
    return rows.length > 0;
  }

  async erpShifts(assetId: string, range: TimeRange): Promise<ShiftSpan[]> {
    const { rows } = await this.db.query<ShiftRow>(
      `SELECT ${SHIFT_COLUMNS} FROM ${this.s}.shifts
        WHERE asset_id = $1 AND NOT cancelled AND start_time < $3 AND end_time > $2 ORDER BY start_time, shift_id`,
      [assetId, timestampParam(range.fromUs), timestampParam(range.toUs)],
    );
    return rows.flatMap((row) => shiftSpanOf(row) ?? []);
  }

  /** Orders overlapping the range; an open order overlaps every range after its start. */
  async orders(assetId: string, range: TimeRange): Promise<OrderSpan[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ${this.s}.production_orders
        WHERE asset_id = $1 AND start_time IS NOT NULL AND start_time < $3 AND (end_time IS NULL OR end_time > $2)
        ORDER BY start_time, order_id`,
      [assetId, timestampParam(range.fromUs), timestampParam(range.toUs)],
    );
    return rows.flatMap((row) => orderSpanOf(row) ?? []);
  }

  /**
   * The run of equal states around `timeUs`: where the run in force just before (`inclusive` false) or at
   * (`inclusive` true) `timeUs` started, and where the run in force at `timeUs` ends (the first later change to
   * another state). undefined where there is none.
   */
  async runAround(
    assetId: string,
    timeUs: number,
    inclusive: boolean,
  ): Promise<{ runStartUs?: number; runEndUs?: number }> {
    const t = `${this.s}.machine_states`;
    const { rows } = await this.db.query<{ run_start_us: number | null; run_end_us: number | null }>(
      `WITH before AS (
         SELECT time, state FROM ${t} WHERE asset_id = $1 AND time ${inclusive ? '<=' : '<'} $2
          ORDER BY time DESC LIMIT 1
       ), other AS (
         SELECT m.time FROM ${t} m, before b WHERE m.asset_id = $1 AND m.time < b.time AND m.state <> b.state
          ORDER BY m.time DESC LIMIT 1
       ), at AS (
         SELECT state FROM ${t} WHERE asset_id = $1 AND time <= $2 ORDER BY time DESC LIMIT 1
       )
       SELECT (SELECT ${epochUsOf('min(m.time)')} FROM ${t} m, before b
                WHERE m.asset_id = $1 AND m.time <= b.time
                  AND m.time > coalesce((SELECT time FROM other), '-infinity'::timestamptz)) AS run_start_us,
              (SELECT ${epochUsOf('m.time')} FROM ${t} m, at a WHERE m.asset_id = $1 AND m.time > $2
                  AND m.state <> a.state ORDER BY m.time LIMIT 1) AS run_end_us`,
      [assetId, timestampParam(timeUs)],
    );
    const row = rows[0];
    return {
      ...(row?.run_start_us == null ? {} : { runStartUs: row.run_start_us }),
      ...(row?.run_end_us == null ? {} : { runEndUs: row.run_end_us }),
    };
  }

  /**
   * The state changes a window needs: from the start of the run in force at its start (so a stop that began
   * earlier is classified by its whole duration), every change inside it, and the change that ends the run in
   * force at its end.
   */
  async statesFor(assetId: string, range: TimeRange, runStartUs: number | undefined): Promise<StateChange[]> {
    const t = `${this.s}.machine_states`;
    const fromUs = Math.min(runStartUs ?? range.fromUs, range.fromUs);
    const { rows } = await this.db.query<{
      time_us: number;
      state: string;
      reason_code: string;
      reason_text: string;
    }>(
      `WITH inside AS (
         SELECT time, state, reason_code, reason_text FROM ${t}
          WHERE asset_id = $1 AND time >= $2 AND time < $3
       ), last AS (
         SELECT state FROM ${t} WHERE asset_id = $1 AND time < $3 ORDER BY time DESC LIMIT 1
       ), ending AS (
         SELECT m.time, m.state, m.reason_code, m.reason_text FROM ${t} m, last l
          WHERE m.asset_id = $1 AND m.time >= $3 AND m.state <> l.state ORDER BY m.time LIMIT 1
       )
       SELECT ${epochUsOf('time')} AS time_us, state, reason_code, reason_text
         FROM (SELECT * FROM inside UNION ALL SELECT * FROM ending) AS changes ORDER BY time`,
      [assetId, timestampParam(fromUs), timestampParam(range.toUs)],
    );
    return rows.map((row) => ({
      startUs: row.time_us,
      state: machineStateFromJSON(`MACHINE_STATE_${row.state}`),
      reasonCode: row.reason_code,
      reasonText: row.reason_text,
    }));
  }

  /** Count deltas of the asset with fromUs <= time < toUs (point deltas: the message has no interval start). */
  async counts(assetId: string, range: TimeRange): Promise<CountDelta[]> {
    const { rows } = await this.db.query<{
      time_us: number;
      total_count: number;
      good_count: number;
      scrap_count: number;
      order_id: string;
    }>(
      `SELECT ${epochUsOf('time')} AS time_us, total_count, good_count, scrap_count, order_id
         FROM ${this.s}.production_counts WHERE asset_id = $1 AND time >= $2 AND time < $3 ORDER BY time`,
      [assetId, timestampParam(range.fromUs), timestampParam(range.toUs)],
    );
    return rows.map((row) => ({
      timeUs: row.time_us,
      totalCount: row.total_count,
      goodCount: row.good_count,
      scrapCount: row.scrap_count,
      ...(row.order_id === '' ? {} : { orderId: row.order_id }),
    }));
  }

  /**
   * Upserts a closed window. The revision grows only when the figures changed; the result is returned for
   * publishing when it changed or an earlier revision was never acknowledged on the bus.
   */
  async upsertResult(result: OeeResult, computedTimeUs: number): Promise<ResultToPublish | undefined> {
    const figures = OeeResult.toJSON({ ...result, revision: 0, computedTimeUs: 0 });
    const { rows } = await this.db.query<{ revision: number; computed_us: number }>(
      `INSERT INTO ${this.s}.oee_results AS r (asset_id, window_kind, window_start, window_end, window_ref,
         availability, performance, quality, oee, teep, planned_busy_time_s, total_count, good_count, figures,
         settings, computed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16)
       ON CONFLICT (asset_id, window_kind, window_start) DO UPDATE SET
         window_end = EXCLUDED.window_end, window_ref = EXCLUDED.window_ref,
         availability = EXCLUDED.availability, performance = EXCLUDED.performance, quality = EXCLUDED.quality,
         oee = EXCLUDED.oee, teep = EXCLUDED.teep, planned_busy_time_s = EXCLUDED.planned_busy_time_s,
         total_count = EXCLUDED.total_count, good_count = EXCLUDED.good_count, figures = EXCLUDED.figures,
         settings = EXCLUDED.settings,
         revision = CASE WHEN r.figures = EXCLUDED.figures THEN r.revision ELSE r.revision + 1 END,
         computed_at = CASE WHEN r.figures = EXCLUDED.figures THEN r.computed_at ELSE EXCLUDED.computed_at END
       WHERE r.figures <> EXCLUDED.figures OR r.published_revision < r.revision
       RETURNING revision, ${epochUsOf('computed_at')} AS computed_us`,
      [
        result.assetId,
        kindName(result.windowKind),
        timestampParam(result.windowStartUs, 'window start'),
        timestampParam(result.windowEndUs, 'window end'),
        result.windowRef,
        result.availability ?? null,
        result.performance ?? null,
        result.quality ?? null,
        result.oee ?? null,
        result.teep ?? null,
        result.plannedBusyTimeS,
        result.totalCount,
        result.goodCount,
        JSON.stringify(figures),
        JSON.stringify(result.settings ?? {}),
        timestampParam(computedTimeUs, 'computed time'),
      ],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { message: { ...result, revision: row.revision, computedTimeUs: row.computed_us } };
  }

  async markPublished(results: readonly OeeResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.db.query(
      `UPDATE ${this.s}.oee_results r SET published_revision = greatest(r.published_revision, p.revision)
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int4[]) AS p(asset_id, kind, start, revision)
        WHERE r.asset_id = p.asset_id AND r.window_kind = p.kind AND r.window_start = p.start`,
      [
        results.map((r) => r.assetId),
        results.map((r) => kindName(r.windowKind)),
        results.map((r) => timestampParam(r.windowStartUs)),
        results.map((r) => r.revision),
      ],
    );
  }

  /** Stored closed windows of an asset (all kinds), oldest first. */
  async results(assetId: string): Promise<OeeResult[]> {
    const { rows } = await this.db.query<{ figures: unknown; revision: number; computed_us: number }>(
      `SELECT figures, revision, ${epochUsOf('computed_at')} AS computed_us FROM ${this.s}.oee_results
        WHERE asset_id = $1 ORDER BY window_kind, window_start`,
      [assetId],
    );
    return rows.map((row) => ({
      ...OeeResult.fromJSON(row.figures),
      revision: row.revision,
      computedTimeUs: row.computed_us,
    }));
  }

  /** Records an asset the first time its events arrive; its windows are closed by the owner of `partition`. */
  async noteAssets(entries: readonly { assetId: string; partition: number }[], nowUs: number): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `INSERT INTO ${this.s}.oee_assets AS a (asset_id, partition, closed_through)
       SELECT asset_id, partition, $3 FROM unnest($1::text[], $2::int4[]) AS n(asset_id, partition)
       ON CONFLICT (asset_id) DO UPDATE SET partition = EXCLUDED.partition WHERE a.partition <> EXCLUDED.partition`,
      [entries.map((e) => e.assetId), entries.map((e) => e.partition), timestampParam(nowUs)],
    );
  }

  /** Assets of the given partitions with windows ending after what was closed and by now. */
  async dueAssets(partitions: readonly number[], nowUs: number): Promise<DueAsset[]> {
    if (partitions.length === 0) return [];
    const { rows } = await this.db.query<{ asset_id: string; closed_us: number }>(
      `SELECT asset_id, ${epochUsOf('closed_through')} AS closed_us FROM ${this.s}.oee_assets
        WHERE partition = ANY($1::int4[]) AND closed_through < $2 ORDER BY asset_id`,
      [[...partitions], timestampParam(nowUs)],
    );
    return rows.map((row) => ({ assetId: row.asset_id, closedThroughUs: row.closed_us }));
  }

  async setClosedThrough(assetId: string, closedThroughUs: number): Promise<void> {
    await this.db.query(
      `UPDATE ${this.s}.oee_assets SET closed_through = greatest(closed_through, $2) WHERE asset_id = $1`,
      [assetId, timestampParam(closedThroughUs)],
    );
  }
}
