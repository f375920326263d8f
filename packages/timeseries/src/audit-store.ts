// The audit log (migration 14): who changed what and when, appended by the API and the CLI, read newest first by
// the admins of the site a change concerns.
import type { Queryable } from './database';
import { checkedSchema, checkLimit, epochUsOf, positionalParameters, timestampParam } from './sql';

export interface NewAuditEntry {
  /** The key id or token subject of the caller; `cli:<user>` for the command line. */
  readonly actor: string;
  /** How the actor was known: `api-key`, `jwt` or `cli`. */
  readonly actorVia: string;
  /** What was done, `noun.verb`: `api-key.create`, `asset.upsert`, `stop.reason`, `alert.acknowledge`, ... */
  readonly action: string;
  /** What it was done to: a key id, an asset id, a stop id, an alert id. */
  readonly target: string;
  /** The site the change concerns (`acme/plant-1`), `*` for every site. */
  readonly site: string;
  /** What changed, as the caller sent it (never a credential). */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends NewAuditEntry {
  readonly id: string;
  readonly timeUs: number;
}

export interface AuditListFilter {
  /** Only changes concerning these sites; absent: every site. */
  readonly sites?: readonly string[];
  readonly action?: string;
  readonly fromUs?: number;
  readonly toUs?: number;
  readonly limit: number;
  /** The id of the last entry of the previous page. */
  readonly beforeId?: string;
}

interface AuditRow {
  entry_id: string;
  time_us: number;
  actor: string;
  actor_via: string;
  action: string;
  target: string;
  site: string;
  detail: Record<string, unknown>;
}

export class AuditStore {
  private readonly table: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.table = `"${checkedSchema(schema)}".audit_log`;
  }

  /** Appends one entry; `on` runs it inside the caller's transaction, so the change and its entry go together. */
  async record(entry: NewAuditEntry, on: Queryable = this.db): Promise<void> {
    await on.query(
      `INSERT INTO ${this.table} (actor, actor_via, action, target, site, detail)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [entry.actor, entry.actorVia, entry.action, entry.target, entry.site, JSON.stringify(entry.detail)],
    );
  }

  /** Entries newest first. */
  async list(filter: AuditListFilter): Promise<AuditEntry[]> {
    checkLimit(filter.limit);
    const { param, params } = positionalParameters();
    const where: string[] = [];
    if (filter.sites !== undefined) where.push(`site = ANY(${param([...filter.sites])}::text[])`);
    if (filter.action !== undefined) where.push(`action = ${param(filter.action)}`);
    if (filter.fromUs !== undefined) {
      where.push(`time >= ${param(timestampParam(filter.fromUs, 'fromUs'))}::timestamptz`);
    }
    if (filter.toUs !== undefined) {
      where.push(`time < ${param(timestampParam(filter.toUs, 'toUs'))}::timestamptz`);
    }
    if (filter.beforeId !== undefined) where.push(`id < ${param(filter.beforeId)}::bigint`);
    const { rows } = await this.db.query<AuditRow>(
      // Not aliased `id`: ORDER BY would sort the text.
      `SELECT id::text AS entry_id, ${epochUsOf('time')} AS time_us, actor, actor_via, action, target, site, detail
         FROM ${this.table}
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY id DESC
        LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map((row) => ({
      id: row.entry_id,
      timeUs: Number(row.time_us),
      actor: row.actor,
      actorVia: row.actor_via,
      action: row.action,
      target: row.target,
      site: row.site,
      detail: row.detail,
    }));
  }
}
