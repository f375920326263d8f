// Batched, idempotent writes of telemetry, machine states and production counts. Every write call is one
// transaction: when its promise resolves the rows are committed, and only then may the caller commit the
// Kafka offsets of the records it came from (docs/architecture.md section 3). Replays insert nothing: each table has a
// natural key and every insert is `ON CONFLICT DO NOTHING`.
import type { MachineStateEvent, ProductionCountBatch, TelemetryBatch } from '@kiln/contracts';
import type { Database, Queryable } from './database';
import {
  machineStateRows,
  type AssetRecord,
  productionCountRows,
  telemetryRows,
  type MachineStateRow,
  type NamedTelemetryRow,
  type ProductionCountRow,
  type SignalDefinition,
  type StopReasonRow,
  type TelemetryRow,
} from './records';
import { checkedSchema, InvalidArgumentError, timestampParam } from './sql';

export interface HistorianWriterOptions {
  schema?: string;
  /** Rows per INSERT statement; a larger write is split into several statements of one transaction. */
  maxRowsPerStatement?: number;
}

export interface WriteResult {
  /** Rows handed in. */
  received: number;
  /** Rows that were new; the rest were already stored (a replay). */
  inserted: number;
  /** Earliest and latest time among the rows handed in: the window whose rollups may need a refresh. */
  fromUs?: number;
  toUs?: number;
}

export interface TelemetryWriteResult extends WriteResult {
  skippedWaveforms: number;
}

export interface MachineStateWriteResult extends WriteResult {
  reasonsApplied: number;
  /** Stop reasons whose state change is not stored (yet); the caller decides whether to retry or report. */
  reasonsUnmatched: StopReasonRow[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function timeRange(timesUs: readonly number[]): { fromUs?: number; toUs?: number } {
  if (timesUs.length === 0) return {};
  let fromUs = Infinity;
  let toUs = -Infinity;
  for (const time of timesUs) {
    if (time < fromUs) fromUs = time;
    if (time > toUs) toUs = time;
  }
  return { fromUs, toUs };
}

/** The key of a signal in the map `upsertSignals` returns. */
export const signalKey = (assetId: string, name: string): string => `${assetId}\u0000${name}`;

function idOf(ids: ReadonlyMap<string, number>, signal: SignalDefinition): number {
  const id = ids.get(signalKey(signal.assetId, signal.name));
  if (id === undefined) throw new Error(`signal "${signal.name}" of asset "${signal.assetId}" got no id`);
  return id;
}

export class HistorianWriter {
  private readonly schema: string;
  private readonly maxRows: number;
  private readonly signalIds = new Map<string, number>();

  constructor(
    private readonly db: Database,
    options: HistorianWriterOptions = {},
  ) {
    this.schema = `"${checkedSchema(options.schema)}"`;
    this.maxRows = options.maxRowsPerStatement ?? 5_000;
    if (!Number.isInteger(this.maxRows) || this.maxRows <= 0) {
      throw new InvalidArgumentError(`maxRowsPerStatement must be a positive integer, got ${this.maxRows}`);
    }
  }

  /**
   * The compact ids of signals, creating the ones not stored yet. Ids are cached for the writer's life;
   * a unit or data type given for an existing signal replaces the stored one when it is not empty.
   */
  async upsertSignals(signals: readonly SignalDefinition[]): Promise<Map<string, number>> {
    const missing = new Map<string, SignalDefinition>();
    for (const signal of signals) {
      const key = signalKey(signal.assetId, signal.name);
      if (!this.signalIds.has(key) && !missing.has(key)) missing.set(key, signal);
    }
    if (missing.size > 0) {
      const definitions = [...missing.values()];
      for (const slice of chunks(definitions, this.maxRows)) {
        await this.db.query(
          `INSERT INTO ${this.schema}.signals AS s (asset_id, name, unit, data_type)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (asset_id, name) DO UPDATE
             SET unit = CASE WHEN EXCLUDED.unit <> '' THEN EXCLUDED.unit ELSE s.unit END,
                 data_type = CASE WHEN EXCLUDED.data_type <> '' THEN EXCLUDED.data_type ELSE s.data_type END
           WHERE (EXCLUDED.unit <> '' AND EXCLUDED.unit <> s.unit)
              OR (EXCLUDED.data_type <> '' AND EXCLUDED.data_type <> s.data_type)`,
          [
            slice.map((d) => d.assetId),
            slice.map((d) => d.name),
            slice.map((d) => d.unit ?? ''),
            slice.map((d) => d.dataType ?? ''),
          ],
        );
        const { rows } = await this.db.query<{ id: number; asset_id: string; name: string }>(
          `SELECT s.id, s.asset_id, s.name FROM ${this.schema}.signals s
             JOIN unnest($1::text[], $2::text[]) AS wanted(asset_id, name) USING (asset_id, name)`,
          [slice.map((d) => d.assetId), slice.map((d) => d.name)],
        );
        for (const row of rows) this.signalIds.set(signalKey(row.asset_id, row.name), row.id);
      }
    }
    const ids = new Map<string, number>();
    for (const signal of signals)
      ids.set(signalKey(signal.assetId, signal.name), idOf(this.signalIds, signal));
    return ids;
  }

  /** The id of one signal, creating it when it is new. */
  async signalId(assetId: string, name: string): Promise<number> {
    return idOf(await this.upsertSignals([{ assetId, name }]), { assetId, name });
  }

  /** Stores the asset model's assets (ISA-95 path ids), replacing changed ones. */
  async upsertAssets(assets: readonly AssetRecord[]): Promise<number> {
    if (assets.length === 0) return 0;
    const result = await this.db.query(
      `INSERT INTO ${this.schema}.assets AS a (id, parent_id, level, name, type, attributes)
       SELECT id, parent_id, level, name, type, attributes::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS given(id, parent_id, level, name, type, attributes)
       ON CONFLICT (id) DO UPDATE
         SET parent_id = EXCLUDED.parent_id, level = EXCLUDED.level, name = EXCLUDED.name,
             type = EXCLUDED.type, attributes = EXCLUDED.attributes, updated_at = now()
       WHERE (a.parent_id, a.level, a.name, a.type, a.attributes)
             IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.level, EXCLUDED.name, EXCLUDED.type, EXCLUDED.attributes)`,
      [
        assets.map((asset) => asset.id),
        assets.map((asset) => asset.parentId ?? null),
        assets.map((asset) => asset.level),
        assets.map((asset) => asset.name),
        assets.map((asset) => asset.type ?? ''),
        assets.map((asset) => JSON.stringify(asset.attributes ?? {})),
      ],
    );
    return result.rowCount;
  }

  /** Telemetry batches as consumed from kiln.telemetry.v1, in one transaction. */
  async writeTelemetryBatches(batches: readonly TelemetryBatch[]): Promise<TelemetryWriteResult> {
    const { rows, skippedWaveforms } = telemetryRows(batches);
    return { ...(await this.writeNamedTelemetry(rows)), skippedWaveforms };
  }

  async writeNamedTelemetry(rows: readonly NamedTelemetryRow[]): Promise<WriteResult> {
    const ids = await this.upsertSignals(rows.map((row) => row.signal));
    return this.writeTelemetry(
      rows.map((row) => ({
        signalId: idOf(ids, row.signal),
        timeUs: row.timeUs,
        value: row.value,
        valueText: row.valueText,
        quality: row.quality,
      })),
    );
  }

  /** Telemetry rows of known signal ids, in one transaction. */
  async writeTelemetry(rows: readonly TelemetryRow[]): Promise<WriteResult> {
    const times = rows.map((row) => row.timeUs);
    const inserted = await this.inTransaction(rows, async (tx, slice) => {
      const result = await tx.query(
        `INSERT INTO ${this.schema}.telemetry (time, signal_id, value, value_text, quality)
         SELECT * FROM unnest($1::timestamptz[], $2::int4[], $3::float8[], $4::text[], $5::int2[])
         ON CONFLICT (signal_id, time) DO NOTHING`,
        [
          slice.map((row) => timestampParam(row.timeUs, `time of signal ${row.signalId}`)),
          slice.map((row) => row.signalId),
          slice.map((row) => row.value),
          slice.map((row) => row.valueText),
          slice.map((row) => row.quality),
        ],
      );
      return result.rowCount;
    });
    return { received: rows.length, inserted, ...timeRange(times) };
  }

  /** Machine-state events as consumed from kiln.machine-state.v1: changes, then stop reasons, one transaction. */
  async writeMachineStateEvents(events: readonly MachineStateEvent[]): Promise<MachineStateWriteResult> {
    const { changes, reasons } = machineStateRows(events);
    return this.writeStates(changes, reasons);
  }

  async writeStates(
    changes: readonly MachineStateRow[],
    reasons: readonly StopReasonRow[] = [],
  ): Promise<MachineStateWriteResult> {
    const reasonsUnmatched: StopReasonRow[] = [];
    let reasonsApplied = 0;
    const inserted = await this.db.transaction(async (tx) => {
      let count = 0;
      for (const slice of chunks(changes, this.maxRows)) count += await this.insertStates(tx, slice);
      for (const reason of reasons) {
        const applied = await this.applyStopReason(tx, reason);
        if (applied) reasonsApplied += 1;
        else reasonsUnmatched.push(reason);
      }
      return count;
    });
    return {
      received: changes.length,
      inserted,
      reasonsApplied,
      reasonsUnmatched,
      ...timeRange(changes.map((row) => row.timeUs)),
    };
  }

  /** Production-count batches as consumed from kiln.production-count.v1, in one transaction. */
  async writeProductionCountBatches(batches: readonly ProductionCountBatch[]): Promise<WriteResult> {
    return this.writeCounts(productionCountRows(batches));
  }

  async writeCounts(rows: readonly ProductionCountRow[]): Promise<WriteResult> {
    const inserted = await this.inTransaction(rows, async (tx, slice) => {
      const result = await tx.query(
        `INSERT INTO ${this.schema}.production_counts
           (asset_id, time, total_count, good_count, scrap_count, order_id, interval_start)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::text[],
                              $7::timestamptz[])
         ON CONFLICT (asset_id, time) DO NOTHING`,
        [
          slice.map((row) => row.assetId),
          slice.map((row) => timestampParam(row.timeUs, `count time of asset "${row.assetId}"`)),
          slice.map((row) => row.totalCount),
          slice.map((row) => row.goodCount),
          slice.map((row) => row.scrapCount),
          slice.map((row) => row.orderId ?? ''),
          slice.map((row) =>
            row.intervalStartUs === undefined
              ? null
              : timestampParam(row.intervalStartUs, `count interval start of asset "${row.assetId}"`),
          ),
        ],
      );
      return result.rowCount;
    });
    return { received: rows.length, inserted, ...timeRange(rows.map((row) => row.timeUs)) };
  }

  private async inTransaction<T>(
    rows: readonly T[],
    insert: (tx: Queryable, slice: T[]) => Promise<number>,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      let inserted = 0;
      for (const slice of chunks(rows, this.maxRows)) inserted += await insert(tx, slice);
      return inserted;
    });
  }

  private async insertStates(tx: Queryable, slice: readonly MachineStateRow[]): Promise<number> {
    const result = await tx.query(
      `INSERT INTO ${this.schema}.machine_states (asset_id, time, state, reason_code, reason_text, source_code)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (asset_id, time) DO NOTHING`,
      [
        slice.map((row) => row.assetId),
        slice.map((row) => timestampParam(row.timeUs, `state time of asset "${row.assetId}"`)),
        slice.map((row) => row.state),
        slice.map((row) => row.reasonCode ?? ''),
        slice.map((row) => row.reasonText ?? ''),
        slice.map((row) => row.sourceCode ?? ''),
      ],
    );
    return result.rowCount;
  }

  // Re-applying the same assignment writes the same values: idempotent.
  private async applyStopReason(tx: Queryable, reason: StopReasonRow): Promise<boolean> {
    const result = await tx.query(
      `UPDATE ${this.schema}.machine_states
          SET reason_code = $3, reason_text = $4, state = COALESCE($5, state), assigned_by = $6, assigned_at = $7
        WHERE asset_id = $1 AND time = $2`,
      [
        reason.assetId,
        timestampParam(reason.stopStartTimeUs, `stop start of asset "${reason.assetId}"`),
        reason.reasonCode,
        reason.reasonText,
        reason.state ?? null,
        reason.assignedBy,
        timestampParam(reason.assignedTimeUs, 'assigned time'),
      ],
    );
    return result.rowCount > 0;
  }
}
