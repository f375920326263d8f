// Where each partition's Normalizer state survives restarts and rebalances: one row per kiln.raw.v1 partition
// in `<schema>.normalizer_state`, holding the Normalizer snapshot (counter baselines, current states, orders)
// and the offset of the last record whose effects are all durable, with the id of the log that offset belongs to
// and a digest of that record (the normalization service's replay-guard.ts decides from them whether the offset
// still holds). Normalization writes the table and creates it itself (it is not one of the migrations); it lives
// here, beside the historian, because the gateway reads the unmapped tags of the snapshots from it when
// normalization runs in other processes, and no service imports another.
import {
  mergeUnmapped,
  unmappedTagSchema,
  type NormalizerSnapshot,
  type UnmappedTag,
} from '@kiln/asset-model';
import type { Database } from './database';
import { z } from 'zod';

const storedUnmappedSchema = z.array(unmappedTagSchema);

/** Where a partition's handling stands in the bus's log. */
export interface HandledPosition {
  /** Offset of the last raw record fully handled (rows, events, hot state): replays up to it are skipped. */
  readonly lastOffset: bigint;
  /**
   * The id of the log that record was read from (`LogDescription.logId`): the offset names it only in that log.
   * Undefined in rows written before the log was kept; `kafka` in rows written before cluster ids were kept.
   */
  readonly logEpoch: string | undefined;
  /** `recordDigest` of that record; undefined in rows written before it was kept. */
  readonly lastRecordDigest?: string | undefined;
}

export interface StoredPartitionState extends HandledPosition {
  /** Unvalidated JSON: `Normalizer.restore` checks it. */
  readonly snapshot: unknown;
}

export class NormalizerStateStore {
  private readonly table: string;

  constructor(
    private readonly db: Database,
    schema: string,
  ) {
    this.table = `"${schema}".normalizer_state`;
  }

  async ensureTable(): Promise<void> {
    await this.db.execute(`CREATE TABLE IF NOT EXISTS ${this.table} (
      partition integer PRIMARY KEY,
      last_offset bigint NOT NULL,
      log_epoch text,
      last_record_digest text,
      snapshot jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Tables of earlier versions: their rows load with no log id (not trusted) or no digest (offset checks only).
    await this.db.execute(`ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS log_epoch text`);
    await this.db.execute(`ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS last_record_digest text`);
  }

  async load(partition: number): Promise<StoredPartitionState | undefined> {
    const { rows } = await this.db.query<{
      last_offset: string;
      log_epoch: string | null;
      last_record_digest: string | null;
      snapshot: unknown;
    }>(
      `SELECT last_offset::text AS last_offset, log_epoch, last_record_digest, snapshot
         FROM ${this.table} WHERE partition = $1`,
      [partition],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const snapshot: unknown = typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot;
    return {
      lastOffset: BigInt(row.last_offset),
      logEpoch: row.log_epoch ?? undefined,
      lastRecordDigest: row.last_record_digest ?? undefined,
      snapshot,
    };
  }

  /**
   * The unmapped tags of every partition's last saved snapshot, merged (each snapshot keeps its most recently
   * seen ones); none before normalization first ran. A snapshot whose list does not parse is passed over.
   */
  async unmappedTags(): Promise<UnmappedTag[]> {
    const { rows: found } = await this.db.query<{ present: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS present`,
      [this.table],
    );
    if (found[0]?.present !== true) return [];
    const { rows } = await this.db.query<{ unmapped: unknown }>(
      `SELECT snapshot -> 'unmapped' AS unmapped FROM ${this.table} ORDER BY partition`,
    );
    return mergeUnmapped(
      rows.flatMap((row) => {
        const raw: unknown = typeof row.unmapped === 'string' ? JSON.parse(row.unmapped) : row.unmapped;
        const parsed = storedUnmappedSchema.safeParse(raw);
        return parsed.success ? parsed.data : [];
      }),
    );
  }

  async save(partition: number, handled: HandledPosition, snapshot: NormalizerSnapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.table} (partition, last_offset, log_epoch, last_record_digest, snapshot, updated_at)
       VALUES ($1, $2::bigint, $3, $4, $5::jsonb, now())
       ON CONFLICT (partition) DO UPDATE
         SET last_offset = EXCLUDED.last_offset, log_epoch = EXCLUDED.log_epoch,
             last_record_digest = EXCLUDED.last_record_digest, snapshot = EXCLUDED.snapshot, updated_at = now()`,
      [
        partition,
        handled.lastOffset.toString(),
        handled.logEpoch ?? null,
        handled.lastRecordDigest ?? null,
        JSON.stringify(snapshot),
      ],
    );
  }
}
