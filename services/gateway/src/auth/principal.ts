// Who is calling and what they may do. Roles are ordered: a reader reads, an operator also posts events and stop
// reasons, an admin also changes assets and manages keys. A principal scoped to a site (`acme/plant-1`) sees
// and changes only assets under that site; `*` is every site.
import { permissionDenied } from '../errors';

export const ROLES = ['reader', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ALL_SITES = '*';

export interface Principal {
  /** The key id or the token's subject, for logs and audit fields (`assigned_by`). */
  readonly subject: string;
  readonly site: string;
  readonly role: Role;
  readonly via: 'api-key' | 'jwt';
}

const rank = (role: Role): number => ROLES.indexOf(role);

/** Whether `site` is a site id (`acme/plant-1`, ISA-95 enterprise/site) or `*` for every site. */
export function isSiteScope(site: string): boolean {
  return site === ALL_SITES || /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/.test(site);
}

/** The site of an asset id (ISA-95 path `enterprise/site/...`, docs/architecture.md section 4), or undefined above site level. */
export function siteOfAsset(assetId: string): string | undefined {
  const parts = assetId.split('/');
  return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined;
}

export function hasRole(principal: Principal, needed: Role): boolean {
  return rank(principal.role) >= rank(needed);
}

export function requireRole(principal: Principal, needed: Role): void {
  if (!hasRole(principal, needed)) {
    throw permissionDenied(`the ${principal.role} role may not do this; it needs the ${needed} role`);
  }
}

/** Whether the principal may see the asset (an asset above site level only with every site). */
export function canSeeAsset(principal: Principal, assetId: string): boolean {
  if (principal.site === ALL_SITES) return true;
  return assetId === principal.site || assetId.startsWith(`${principal.site}/`);
}

/** Throws permission-denied unless the principal has the role for this asset's site. */
export function authorizeAsset(principal: Principal, assetId: string, needed: Role): void {
  requireRole(principal, needed);
  if (!canSeeAsset(principal, assetId)) {
    throw permissionDenied(`asset ${assetId} is outside site ${principal.site} of this credential`);
  }
}
