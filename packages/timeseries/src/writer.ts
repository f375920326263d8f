// Batched, idempotent writes of telemetry, machine states and production counts. Every write call is one
// transaction: when its promise resolves the rows are committed, and only then may the caller commit the
// Kafka offsets of the records it came from (docs/architecture.md section 3). Replays insert nothing: each table has a
// natural key and every insert is `ON CONFLICT DO NOTHING`.
import type { MachineStateEvent, ProductionCountBatch, TelemetryBatch } from '@kiln/contracts';
import type { Database, Queryable } from './database';
import { TELEMETRY_COPY_COLUMNS, TelemetryCopyEncoder } from './binary-copy';
import {
  machineStateRows,
  type AssetRecord,
  productionCountRows,
  type MachineStateRow,
  type NamedTelemetryRow,
  type ProductionCountRow,
  type SignalDefinition,
  type StopReasonRow,
  type TelemetryRow,
} from './records';
import { checkedSchema, InvalidArgumentError, timestampParam } from './sql';
import { addTelemetryPoints, TelemetryColumns, unknownSignals } from './telemetry-samples';

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

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === UNIQUE_VIOLATION;
}

interface TelemetrySql {
  unnestInsert: string;
  copyIntoTelemetry: string;
  createStaging: string;
  copyIntoStaging: string;
  insertFromStaging: string;
}

function telemetryStatements(schema: string): TelemetrySql {
  const telemetry = `"${schema}".telemetry`;
  // Per schema, as one connection may serve several; a name cut at 63 characters could be shared by two long
  // schema names, which is harmless: every schema's telemetry table has the same columns.
  const staging = `pg_temp."${`${schema}_telemetry_staging`.slice(0, 63)}"`;
  const columns = TELEMETRY_COPY_COLUMNS;
  return {
    // Times travel as int8 µs since the Unix epoch and become timestamptz here: exact, and cheaper to build and
    // parse than ISO strings (npm run bench:historian).
    unnestInsert: `INSERT INTO ${telemetry} ${columns}
      SELECT TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond', i, v, x, q
        FROM unnest($1::int8[], $2::int4[], $3::float8[], $4::text[], $5::int2[]) AS u(t, i, v, x, q)
      ON CONFLICT (signal_id, time) DO NOTHING`,
    copyIntoTelemetry: `COPY ${telemetry} ${columns} FROM STDIN (FORMAT binary)`,
    // ON COMMIT DELETE ROWS: the staged rows end with the transaction that staged them, committed or not.
    createStaging: `CREATE TEMP TABLE IF NOT EXISTS ${staging} (LIKE ${telemetry}) ON COMMIT DELETE ROWS`,
    copyIntoStaging: `COPY ${staging} ${columns} FROM STDIN (FORMAT binary)`,
    // A sequential scan of the freshly emptied table returns the rows in COPY order: the first of a key wins.
    insertFromStaging: `INSERT INTO ${telemetry} ${columns} SELECT ${columns.slice(1, -1)} FROM ${staging}
      ON CONFLICT (signal_id, time) DO NOTHING`,
  };
}

export class HistorianWriter {
  private readonly schema: string;
  private readonly maxRows: number;
  /** Signal ids by asset, then by signal name: a sample costs two map look-ups and no string building. */
  private readonly signalIds = new Map<string, Map<string, number>>();
  private readonly idsOf = (assetId: string): ReadonlyMap<string, number> | undefined =>
    this.signalIds.get(assetId);
  private readonly telemetrySql: TelemetrySql;

  constructor(
    private readonly db: Database,
    options: HistorianWriterOptions = {},
  ) {
    const schema = checkedSchema(options.schema);
    this.schema = `"${schema}"`;
    this.telemetrySql = telemetryStatements(schema);
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
    const missing: SignalDefinition[] = [];
    const wanted = new Set<string>();
    for (const signal of signals) {
      const key = signalKey(signal.assetId, signal.name);
      if (wanted.has(key)) continue;
      wanted.add(key);
      if (this.signalIds.get(signal.assetId)?.has(signal.name) !== true) missing.push(signal);
    }
    await this.storeSignals(missing);
    const ids = new Map<string, number>();
    for (const signal of signals) ids.set(signalKey(signal.assetId, signal.name), this.idOf(signal));
    return ids;
  }

  /** The id of one signal, creating it when it is new. */
  async signalId(assetId: string, name: string): Promise<number> {
    await this.upsertSignals([{ assetId, name }]);
    return this.idOf({ assetId, name });
  }

  private idOf(signal: SignalDefinition): number {
    const id = this.signalIds.get(signal.assetId)?.get(signal.name);
    if (id === undefined) throw new Error(`signal "${signal.name}" of asset "${signal.assetId}" got no id`);
    return id;
  }

  /** Creates or updates `definitions` (each signal at most once) and caches their ids. */
  private async storeSignals(definitions: readonly SignalDefinition[]): Promise<void> {
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
      for (const row of rows) {
        let ids = this.signalIds.get(row.asset_id);
        if (ids === undefined) this.signalIds.set(row.asset_id, (ids = new Map()));
        ids.set(row.name, row.id);
      }
    }
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

  /**
   * Telemetry batches as consumed from kiln.telemetry.v1, in one transaction. The points go straight into the
   * statement's columns (binary COPY on node-postgres, UNNEST arrays on PGlite): no row object per sample.
   */
  async writeTelemetryBatches(batches: readonly TelemetryBatch[]): Promise<TelemetryWriteResult> {
    const missing = unknownSignals(batches, this.idsOf);
    if (missing.length > 0) await this.storeSignals(missing);
    const sink = this.telemetrySink();
    const { received, skippedWaveforms, ...range } = addTelemetryPoints(batches, this.idsOf, sink);
    const inserted = await this.storeTelemetry(sink);
    return { received, inserted, ...range, skippedWaveforms };
  }

  async writeNamedTelemetry(rows: readonly NamedTelemetryRow[]): Promise<WriteResult> {
    await this.upsertSignals(rows.map((row) => row.signal));
    const sink = this.telemetrySink();
    for (const row of rows)
      sink.add(this.idOf(row.signal), row.timeUs, row.value, row.valueText, row.quality);
    const inserted = await this.storeTelemetry(sink);
    return { received: rows.length, inserted, ...timeRange(rows.map((row) => row.timeUs)) };
  }

  /** Telemetry rows of known signal ids, in one transaction. */
  async writeTelemetry(rows: readonly TelemetryRow[]): Promise<WriteResult> {
    const sink = this.telemetrySink();
    for (const row of rows) sink.add(row.signalId, row.timeUs, row.value, row.valueText, row.quality);
    const inserted = await this.storeTelemetry(sink);
    return { received: rows.length, inserted, ...timeRange(rows.map((row) => row.timeUs)) };
  }

  // Chosen per write from the database handed in: a wrapper without `copyFrom` gets the UNNEST path.
  private telemetrySink(): TelemetryCopyEncoder | TelemetryColumns {
    return this.db.copyFrom === undefined ? new TelemetryColumns() : new TelemetryCopyEncoder();
  }

  private async storeTelemetry(sink: TelemetryCopyEncoder | TelemetryColumns): Promise<number> {
    if (sink.rowCount === 0) return 0;
    if (sink instanceof TelemetryCopyEncoder) {
      const data = sink.finish();
      return this.db.transaction((tx) => this.copyTelemetry(tx, data));
    }
    return this.db.transaction(async (tx) => {
      let inserted = 0;
      for (let start = 0; start < sink.rowCount; start += this.maxRows) {
        const result = await tx.query(
          this.telemetrySql.unnestInsert,
          sink.params(start, start + this.maxRows),
        );
        inserted += result.rowCount;
      }
      return inserted;
    });
  }

  /**
   * A new batch, the common case, is one straight COPY. A batch holding rows already stored (a replay after a
   * crash) or the same (signal, time) twice fails it with a unique violation; the savepoint undoes that COPY and
   * the rows go through a per-connection staging table and one insert that keeps the first of each key, exactly
   * as the UNNEST insert does. Either way the count is of the rows that were new.
   */
  private async copyTelemetry(tx: Queryable, data: readonly Buffer[]): Promise<number> {
    if (tx.copyFrom === undefined) {
      throw new Error('the database offers COPY but its transaction does not: wrap both or neither');
    }
    const sql = this.telemetrySql;
    await tx.execute('SAVEPOINT kiln_telemetry_copy');
    try {
      const copied = await tx.copyFrom(sql.copyIntoTelemetry, data);
      await tx.execute('RELEASE SAVEPOINT kiln_telemetry_copy');
      return copied;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    await tx.execute('ROLLBACK TO SAVEPOINT kiln_telemetry_copy');
    await tx.execute(sql.createStaging);
    await tx.copyFrom(sql.copyIntoStaging, data);
    const result = await tx.query(sql.insertFromStaging);
    return result.rowCount;
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
