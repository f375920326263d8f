// API keys: random tokens shown once at creation, stored only as a SHA-256 hash (a 256-bit random token needs no
// slow hash; a seeded key must be long enough, see MIN_SEEDED_KEY_LENGTH). A verified key is remembered for a
// short while so that a busy client does not cost a database round trip per request; revoking takes effect
// within that time.
import { createHash, randomBytes } from 'node:crypto';
import { AuditStore, type Database } from '@kiln/timeseries';
import { AuditTrail, localActor, type AuditActor } from '../domain/audit';
import { invalidArgument } from '../errors';
import { isSiteScope, ROLES, type Principal, type Role } from './principal';

export const MIN_SEEDED_KEY_LENGTH = 24;
/** Verified keys remembered at most; past it the one verified longest ago is forgotten. */
const MAX_CACHED_KEYS = 10_000;
const TOKEN_PREFIX = 'kiln_';

export interface ApiKeyInfo {
  readonly id: string;
  readonly site: string;
  readonly role: Role;
  readonly label: string;
  readonly createdAt: string;
  readonly revoked: boolean;
}

export interface CreatedApiKey extends ApiKeyInfo {
  /** The token itself: shown once, never stored. */
  readonly token: string;
}

const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

function checkSite(site: string): void {
  if (!isSiteScope(site)) {
    throw invalidArgument('site', `"${site}" is not a site id such as acme/plant-1 (or * for every site)`);
  }
}

function checkRole(role: string): Role {
  const found = ROLES.find((candidate) => candidate === role);
  if (found === undefined) throw invalidArgument('role', `"${role}" is not one of ${ROLES.join(', ')}`);
  return found;
}

export class ApiKeyStore {
  private readonly table: string;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  private readonly audit: AuditTrail;

  constructor(
    private readonly db: Database,
    schema: string,
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {
    this.table = `"${schema}".api_keys`;
    this.audit = new AuditTrail(new AuditStore(db, schema));
  }

  /** A new random key for a site and role, recorded in the audit log as made `by` (default: this machine's user). */
  async create(
    site: string,
    role: string,
    label = '',
    by: AuditActor = localActor(),
  ): Promise<CreatedApiKey> {
    checkSite(site);
    const checkedRole = checkRole(role);
    const id = randomBytes(6).toString('hex');
    const token = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const created = await this.insert(id, token, site, checkedRole, label);
    await this.audit.record(by, {
      action: 'api-key.create',
      target: id,
      site,
      detail: { role: checkedRole, label },
    });
    return { ...created, token };
  }

  /**
   * Stores a key chosen by the operator (KILN_ADMIN_API_KEY) unless it is stored already; returns its id.
   * Seeding the same token again changes nothing.
   */
  async seed(token: string, site: string, role: string, label: string): Promise<string> {
    if (token.length < MIN_SEEDED_KEY_LENGTH) {
      throw invalidArgument('token', `a seeded API key needs at least ${MIN_SEEDED_KEY_LENGTH} characters`);
    }
    checkSite(site);
    const checkedRole = checkRole(role);
    const existing = await this.db.query<{ id: string }>(
      `SELECT id FROM ${this.table} WHERE token_hash = $1`,
      [hashOf(token)],
    );
    const found = existing.rows[0];
    if (found !== undefined) return found.id;
    return (await this.insert(`seed-${randomBytes(4).toString('hex')}`, token, site, checkedRole, label)).id;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.db.query<KeyRow>(
      `SELECT id, site, role, label, created_at::text AS created_at, revoked_at IS NOT NULL AS revoked
         FROM ${this.table} ORDER BY created_at, id`,
    );
    return rows.map(infoOf);
  }

  /** Revokes a key (false when there is none or it is revoked already), recorded in the audit log as made `by`. */
  async revoke(id: string, by: AuditActor = localActor()): Promise<boolean> {
    const { rows } = await this.db.query<{ site: string; role: string; label: string }>(
      `UPDATE ${this.table} SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING site, role, label`,
      [id],
    );
    this.cache.clear();
    const revoked = rows[0];
    if (revoked === undefined) return false;
    await this.audit.record(by, {
      action: 'api-key.revoke',
      target: id,
      site: revoked.site,
      detail: { role: revoked.role, label: revoked.label },
    });
    return true;
  }

  /**
   * The principal of a presented token, or undefined when it is unknown or revoked. `beforeLookup` runs (and may
   * refuse by throwing) only when the database must be asked: a key verified within `cacheMs` costs nothing.
   */
  async verify(token: string, beforeLookup?: () => Promise<void>): Promise<Principal | undefined> {
    const now = (this.options.now ?? Date.now)();
    const hash = hashOf(token);
    const cached = this.cache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.principal;
    await beforeLookup?.();
    const { rows } = await this.db.query<{ id: string; site: string; role: string }>(
      `SELECT id, site, role FROM ${this.table} WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    if (row === undefined) {
      // Unknown keys are not remembered: a flood of them would push out the keys in use (the failure limiter
      // bounds what they cost).
      this.cache.delete(hash);
      return undefined;
    }
    const principal: Principal = {
      subject: `key:${row.id}`,
      site: row.site,
      role: checkRole(row.role),
      via: 'api-key',
    };
    // Deleted and set again: the map's order is the order of verification, the oldest first, forgotten first.
    this.cache.delete(hash);
    this.cache.set(hash, { principal, until: now + (this.options.cacheMs ?? 30_000) });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHED_KEYS) break;
      this.cache.delete(oldest);
    }
    return principal;
  }

  private async insert(
    id: string,
    token: string,
    site: string,
    role: Role,
    label: string,
  ): Promise<ApiKeyInfo> {
    const { rows } = await this.db.query<KeyRow>(
      `INSERT INTO ${this.table} (id, token_hash, site, role, label) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, site, role, label, created_at::text AS created_at, false AS revoked`,
      [id, hashOf(token), site, role, label],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('inserting an API key returned no row');
    return infoOf(row);
  }
}

interface KeyRow {
  id: string;
  site: string;
  role: string;
  label: string;
  created_at: string;
  revoked: boolean;
}

const infoOf = (row: KeyRow): ApiKeyInfo => ({
  id: row.id,
  site: row.site,
  role: checkRole(row.role),
  label: row.label,
  createdAt: row.created_at,
  revoked: row.revoked,
});
