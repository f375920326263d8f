// OEE's reads and writes (the OEE service's, and the gateway's reads for OEE on request): the inputs of a window
// (states, counts, orders, shifts) and the windows the OEE service stores (oee_results, upserted by asset, window
// kind and window start; docs/architecture.md section 3). The database is the source of truth: no state is kept
// in memory, so a new owner of a partition resumes from here.
import { machineStateFromJSON, OeeResult } from '@kiln/contracts';
import {
  countReaches,
  MAX_COUNT_INTERVAL_US,
  type CountDelta,
  type OrderSpan,
  type ShiftSpan,
  type StateChange,
  type TimeRange,
} from '@kiln/oee';
import { checkedSchema, epochUsOf, timestampParam, type Database } from '@kiln/timeseries';
import { OrderShiftStore } from './order-shift-store';
import { upsertResults, type ResultToPublish } from './result-upsert';
import { StateStretch } from './state-runs';
import { kindName } from './window-kind';

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

interface StateRow {
  time_us: number;
  state: string;
  reason_code: string;
  reason_text: string;
}

function stateChangeOf(row: StateRow): StateChange {
  return {
    startUs: row.time_us,
    state: machineStateFromJSON(`MACHINE_STATE_${row.state}`),
    reasonCode: row.reason_code,
    reasonText: row.reason_text,
  };
}

/** The end of a query over machine_states `t` whose CTE `start` holds where to start; $1 asset, $3 end. */
function statesFromStart(t: string): string {
  return `inside AS (
      SELECT time, state, reason_code, reason_text FROM ${t}
       WHERE asset_id = $1 AND time >= (SELECT time FROM start) AND time < $3
    ), last AS (
      SELECT state FROM ${t} WHERE asset_id = $1 AND time < $3 ORDER BY time DESC LIMIT 1
    ), ending AS (
      SELECT m.time, m.state, m.reason_code, m.reason_text FROM ${t} m, last l
       WHERE m.asset_id = $1 AND m.time >= $3 AND m.state <> l.state ORDER BY m.time LIMIT 1
    )
    SELECT ${epochUsOf('time')} AS time_us, state, reason_code, reason_text
      FROM (SELECT * FROM inside UNION ALL SELECT * FROM ending) AS changes ORDER BY time`;
}

const ORDER_COLUMNS = `order_id, ${epochUsOf('start_time')} AS start_us, ${epochUsOf('end_time')} AS end_us,
  ideal_cycle_time_s, target_quantity`;
const SHIFT_COLUMNS = `shift_id, ${epochUsOf('start_time')} AS start_us, ${epochUsOf('end_time')} AS end_us,
  breaks, cancelled`;

export class OeeStore {
  private readonly s: string;
  /** The ERP's orders and shifts, stored in bulk. */
  readonly erp: OrderShiftStore;

  constructor(
    private readonly db: Database,
    schema: string,
  ) {
    this.s = `"${checkedSchema(schema)}"`;
    this.erp = new OrderShiftStore(db, this.s);
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
    const fromUs = Math.min(runStartUs ?? range.fromUs, range.fromUs);
    const { rows } = await this.db.query<StateRow>(
      `WITH start AS (SELECT $2::timestamptz AS time), ${statesFromStart(`${this.s}.machine_states`)}`,
      [assetId, timestampParam(fromUs), timestampParam(range.toUs)],
    );
    return rows.map(stateChangeOf);
  }

  /**
   * In one query, the stretch of state changes that answers runAround and statesFor for every time in `range`:
   * from the start of the run in force at (`inclusive`) or just before `range.fromUs` up to `range.toUs`, and the
   * change that ends the run in force at `range.toUs`.
   */
  async statesAround(assetId: string, range: TimeRange, inclusive: boolean): Promise<StateStretch> {
    const t = `${this.s}.machine_states`;
    const { rows } = await this.db.query<StateRow>(
      `WITH before AS (
         SELECT time, state FROM ${t} WHERE asset_id = $1 AND time ${inclusive ? '<=' : '<'} $2
          ORDER BY time DESC LIMIT 1
       ), other AS (
         SELECT m.time FROM ${t} m, before b WHERE m.asset_id = $1 AND m.time < b.time AND m.state <> b.state
          ORDER BY m.time DESC LIMIT 1
       ), start AS (
         SELECT coalesce((SELECT min(m.time) FROM ${t} m, before b
                           WHERE m.asset_id = $1 AND m.time <= b.time
                             AND m.time > coalesce((SELECT time FROM other), '-infinity'::timestamptz)), $2) AS time
       ), ${statesFromStart(t)}`,
      [assetId, timestampParam(range.fromUs), timestampParam(range.toUs)],
    );
    return new StateStretch(range, inclusive, rows.map(stateChangeOf));
  }

  /**
   * Count deltas of the asset that reach into [fromUs, toUs) (@kiln/oee countReaches): a count covers (interval
   * start, time], so those ending in (fromUs, toUs] and those ending later whose interval starts before toUs. An
   * interval longer than MAX_COUNT_INTERVAL_US counts as a point, so no count past toUs + that reaches the range.
   */
  async counts(assetId: string, range: TimeRange): Promise<CountDelta[]> {
    const { rows } = await this.db.query<{
      time_us: number;
      interval_start_us: number | null;
      total_count: number;
      good_count: number;
      scrap_count: number;
      order_id: string;
    }>(
      `SELECT ${epochUsOf('time')} AS time_us, ${epochUsOf('interval_start')} AS interval_start_us,
              total_count, good_count, scrap_count, order_id
         FROM ${this.s}.production_counts
        WHERE asset_id = $1 AND time > $2 AND time <= $4 AND (time <= $3 OR interval_start < $3)
        ORDER BY time`,
      [
        assetId,
        timestampParam(range.fromUs),
        timestampParam(range.toUs),
        timestampParam(range.toUs + MAX_COUNT_INTERVAL_US),
      ],
    );
    return rows
      .map((row): CountDelta => ({
        timeUs: row.time_us,
        ...(row.interval_start_us === null ? {} : { fromUs: row.interval_start_us }),
        totalCount: row.total_count,
        goodCount: row.good_count,
        scrapCount: row.scrap_count,
        ...(row.order_id === '' ? {} : { orderId: row.order_id }),
      }))
      .filter((count) => countReaches(count, range));
  }

  /**
   * Upserts closed windows, each computed at `computedTimeUs`. A revision grows only when the figures changed; a
   * result is returned for publishing when it changed or an earlier revision was never acknowledged on the bus.
   */
  upsertResults(results: readonly OeeResult[], computedTimeUs: number): Promise<ResultToPublish[]> {
    return upsertResults(this.db, this.s, results, computedTimeUs);
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
