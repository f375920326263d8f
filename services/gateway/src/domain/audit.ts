// Who changed what and when (GET /api/v1/audit): every change made through the API or `kiln keys` is recorded with
// its actor, and admins read the changes of their site (an admin of every site, all of them).
import { userInfo } from 'node:os';
import type { AuditEntry, AuditStore, Queryable } from '@kiln/timeseries';
import { ALL_SITES, requireRole, siteOfAsset, type Principal } from '../auth/principal';
import { keysetOf, pageOf, pageSizeOf, type Page, type PageRequest } from './paging';

/** Who made a change: the caller's key id or token subject, and how it was known. */
export interface AuditActor {
  readonly actor: string;
  readonly via: string;
}

export const actorOf = (principal: Principal): AuditActor => ({
  actor: principal.subject,
  via: principal.via,
});

/** Whoever runs this process on this machine: `kiln keys` and `kiln start`. */
export function localActor(): AuditActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user name for this uid (a container's): the uid alone is still said below.
    user = `uid ${process.getuid?.() ?? '?'}`;
  }
  return { actor: `cli:${user}`, via: 'cli' };
}

/** The site a change to this asset concerns; every site for an enterprise. */
export const siteOfChange = (assetId: string): string => siteOfAsset(assetId) ?? ALL_SITES;

export interface AuditFilter {
  readonly action?: string;
  readonly fromUs?: number;
  readonly toUs?: number;
}

export class AuditTrail {
  constructor(private readonly store: AuditStore) {}

  /** Records a change; `on` is the transaction the change was made in, when there is one. */
  async record(
    by: AuditActor,
    change: { action: string; target: string; site: string; detail?: Record<string, unknown> },
    on?: Queryable,
  ): Promise<void> {
    await this.store.record(
      {
        actor: by.actor,
        actorVia: by.via,
        action: change.action,
        target: change.target,
        site: change.site,
        detail: change.detail ?? {},
      },
      on,
    );
  }

  /** Changes newest first: an admin of a site reads those concerning it, an admin of every site all of them. */
  async list(principal: Principal, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    requireRole(principal, 'admin');
    const size = pageSizeOf(page);
    // At most 18 digits: every one fits PostgreSQL's bigint (a 19-digit id may not, and failed the query).
    const [beforeId] =
      keysetOf<[string]>(page.cursor, (key) => key.length === 1 && /^\d{1,18}$/.test(String(key[0]))) ?? [];
    const rows = await this.store.list({
      ...(principal.site === ALL_SITES ? {} : { sites: [principal.site] }),
      ...(filter.action === undefined ? {} : { action: filter.action }),
      ...(filter.fromUs === undefined ? {} : { fromUs: filter.fromUs }),
      ...(filter.toUs === undefined ? {} : { toUs: filter.toUs }),
      ...(beforeId === undefined ? {} : { beforeId }),
      limit: size + 1,
    });
    return pageOf(rows, size, (entry) => JSON.stringify([entry.id]));
  }
}
