// The asset model as stored by normalization (docs/architecture.md section 4): list, one asset, the tree, its signals, and
// creating or changing an asset with its OEE settings (kept in `attributes.defaults`, where the plant file puts
// them). Every read is limited to what the principal's site may see.
import { isIanaTimeZone } from '@kiln/asset-model';
import type { Database } from '@kiln/timeseries';
import { authorizeAsset, canSeeAsset, ALL_SITES, siteOfAsset, type Principal } from '../auth/principal';
import { invalidArgument, notFound, permissionDenied } from '../errors';
import { actorOf, siteOfChange, type AuditTrail } from './audit';
import { decodeCursor, pageOf, pageSizeOf, type Page, type PageRequest } from './paging';

export const ASSET_LEVELS = ['enterprise', 'site', 'area', 'line', 'cell', 'asset'] as const;
export type AssetLevel = (typeof ASSET_LEVELS)[number];
const ASSET_ID = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

export interface AssetSettings {
  readonly defaultIdealCycleTimeS?: number;
  readonly microStopThresholdS?: number;
}

export interface Asset {
  readonly id: string;
  readonly parentId: string | null;
  readonly level: AssetLevel;
  readonly name: string;
  readonly type: string;
  readonly settings: AssetSettings;
  /** A site's IANA time zone, when it has one. */
  readonly timeZone?: string;
  readonly updatedAt: string;
}

export interface AssetNode extends Asset {
  readonly children: AssetNode[];
}

export interface Signal {
  readonly assetId: string;
  readonly name: string;
  readonly unit: string;
  readonly dataType: string;
  readonly description: string;
}

export interface AssetFilter extends PageRequest {
  readonly parentId?: string;
  readonly level?: AssetLevel;
}

export interface AssetChange {
  readonly name: string;
  readonly level: AssetLevel;
  readonly type?: string;
  readonly settings?: AssetSettings;
  /** Sites only: an IANA time zone; absent keeps the stored one. */
  readonly timeZone?: string;
}

interface AssetRow {
  id: string;
  parent_id: string | null;
  level: string;
  name: string;
  type: string;
  attributes: Record<string, unknown> | null;
  updated_at: number;
}

const COLUMNS = `id, parent_id, level, name, type, attributes,
  (extract(epoch FROM updated_at) * 1000)::float8 AS updated_at`;

export function checkAssetId(field: string, id: string): string {
  if (id.length > 512 || !ASSET_ID.test(id)) {
    throw invalidArgument(
      field,
      `"${id.slice(0, 80)}" is not an asset id (lower-case path such as acme/plant-1/line-1)`,
    );
  }
  return id;
}

function settingsOf(attributes: Record<string, unknown> | null): AssetSettings {
  const defaults = attributes?.defaults;
  if (typeof defaults !== 'object' || defaults === null) return {};
  const pick = (key: string): number | undefined => {
    const value: unknown = (defaults as Record<string, unknown>)[key];
    return typeof value === 'number' ? value : undefined;
  };
  const ideal = pick('idealCycleTimeS');
  const threshold = pick('microStopThresholdS');
  return {
    ...(ideal === undefined ? {} : { defaultIdealCycleTimeS: ideal }),
    ...(threshold === undefined ? {} : { microStopThresholdS: threshold }),
  };
}

function timeZoneOf(attributes: Record<string, unknown> | null): { timeZone?: string } {
  const zone = attributes?.timeZone;
  return typeof zone === 'string' ? { timeZone: zone } : {};
}

const assetOf = (row: AssetRow): Asset => ({
  id: row.id,
  parentId: row.parent_id,
  level: ASSET_LEVELS.find((level) => level === row.level) ?? 'asset',
  name: row.name,
  type: row.type,
  settings: settingsOf(row.attributes),
  ...timeZoneOf(row.attributes),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/** The attributes a change sets besides the defaults: a site's time zone, checked. */
function zoneAttributes(change: AssetChange): Record<string, string> {
  if (change.timeZone === undefined) return {};
  if (change.level !== 'site') {
    throw invalidArgument('timeZone', `a time zone belongs to a site, not to a ${change.level}`);
  }
  if (!isIanaTimeZone(change.timeZone)) {
    throw invalidArgument(
      'timeZone',
      `${JSON.stringify(change.timeZone.slice(0, 100))} is not an IANA time zone (such as Europe/Berlin or ` +
        'America/Chicago)',
    );
  }
  return { timeZone: change.timeZone };
}

/** The SQL condition limiting rows to the principal's site (starts_with, not LIKE: ids may hold `_`). */
function siteCondition(principal: Principal, column: string, params: unknown[]): string {
  if (principal.site === ALL_SITES) return 'true';
  params.push(principal.site);
  return `(${column} = $${params.length} OR starts_with(${column}, $${params.length} || '/'))`;
}

export class AssetQueries {
  private readonly s: string;

  constructor(
    private readonly db: Database,
    schema: string,
    private readonly audit: AuditTrail,
    /** Told the id of every asset created or changed (the OEE settings cache forgets it). */
    private readonly onChanged: (assetId: string) => void = () => undefined,
  ) {
    this.s = `"${schema}"`;
  }

  async list(principal: Principal, filter: AssetFilter): Promise<Page<Asset>> {
    const size = pageSizeOf(filter);
    const params: unknown[] = [];
    const where = [siteCondition(principal, 'id', params)];
    const after = decodeCursor(filter.cursor);
    if (after !== undefined) {
      params.push(after);
      where.push(`id > $${params.length}`);
    }
    if (filter.parentId !== undefined) {
      params.push(checkAssetId('parentId', filter.parentId));
      where.push(`parent_id = $${params.length}`);
    }
    if (filter.level !== undefined) {
      params.push(filter.level);
      where.push(`level = $${params.length}`);
    }
    params.push(size + 1);
    const { rows } = await this.db.query<AssetRow>(
      `SELECT ${COLUMNS} FROM ${this.s}.assets WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows.map(assetOf), size, (asset) => asset.id);
  }

  async get(principal: Principal, id: string): Promise<Asset> {
    checkAssetId('assetId', id);
    authorizeAsset(principal, id, 'reader');
    const { rows } = await this.db.query<AssetRow>(`SELECT ${COLUMNS} FROM ${this.s}.assets WHERE id = $1`, [
      id,
    ]);
    const row = rows[0];
    if (row === undefined) throw notFound(`no asset ${id}`);
    return assetOf(row);
  }

  /** Whether the asset exists (and may be seen); throws not-found otherwise. */
  async require(principal: Principal, id: string): Promise<Asset> {
    return this.get(principal, id);
  }

  /** The assets at and below `rootId` (every visible asset without it), as a forest. */
  async tree(principal: Principal, rootId?: string): Promise<AssetNode[]> {
    const params: unknown[] = [];
    const where = [siteCondition(principal, 'id', params)];
    if (rootId !== undefined) {
      await this.get(principal, rootId);
      params.push(rootId);
      where.push(`(id = $${params.length} OR starts_with(id, $${params.length} || '/'))`);
    }
    const { rows } = await this.db.query<AssetRow>(
      `SELECT ${COLUMNS} FROM ${this.s}.assets WHERE ${where.join(' AND ')} ORDER BY id`,
      params,
    );
    const nodes = new Map(rows.map((row) => [row.id, { ...assetOf(row), children: [] as AssetNode[] }]));
    const roots: AssetNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
      if (parent !== undefined && node.id !== rootId) parent.children.push(node);
      else roots.push(node);
    }
    return roots;
  }

  async signals(principal: Principal, assetId: string, page: PageRequest): Promise<Page<Signal>> {
    await this.get(principal, assetId);
    const size = pageSizeOf(page);
    const after = decodeCursor(page.cursor) ?? '';
    const { rows } = await this.db.query<{
      asset_id: string;
      name: string;
      unit: string;
      data_type: string;
      description: string;
    }>(
      `SELECT asset_id, name, unit, data_type, description FROM ${this.s}.signals
        WHERE asset_id = $1 AND name > $2 ORDER BY name LIMIT $3`,
      [assetId, after, size + 1],
    );
    const signals = rows.map((row) => ({
      assetId: row.asset_id,
      name: row.name,
      unit: row.unit,
      dataType: row.data_type,
      description: row.description,
    }));
    return pageOf(signals, size, (signal) => signal.name);
  }

  /** Creates or changes an asset (admin); its parent (the path without the last part) must exist. */
  async upsert(principal: Principal, id: string, change: AssetChange): Promise<Asset> {
    checkAssetId('assetId', id);
    authorizeAsset(principal, id, 'admin');
    const depth = id.split('/').length;
    const parentId = depth === 1 ? null : id.slice(0, id.lastIndexOf('/'));
    if (change.level === 'enterprise' && parentId !== null) {
      throw invalidArgument('level', 'an enterprise is a top-level id without "/"');
    }
    if (change.level !== 'enterprise' && parentId === null) {
      throw invalidArgument(
        'level',
        `a ${change.level} needs a parent: its id is a path such as acme/plant-1`,
      );
    }
    if (parentId !== null) {
      const parent = await this.db.query(`SELECT 1 FROM ${this.s}.assets WHERE id = $1`, [parentId]);
      if (parent.rows.length === 0) throw invalidArgument('assetId', `the parent ${parentId} does not exist`);
    }
    for (const [key, value] of Object.entries(change.settings ?? {})) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400) {
        throw invalidArgument(`settings.${key}`, 'must be a number of seconds from 0 to 86400');
      }
    }
    const zone = zoneAttributes(change);
    const defaults = {
      ...(change.settings?.defaultIdealCycleTimeS === undefined
        ? {}
        : { idealCycleTimeS: change.settings.defaultIdealCycleTimeS }),
      ...(change.settings?.microStopThresholdS === undefined
        ? {}
        : { microStopThresholdS: change.settings.microStopThresholdS }),
    };
    // The change and its audit entry in one transaction: neither without the other.
    const rows = await this.db.transaction(async (tx) => {
      const written = await tx.query<AssetRow>(
        `INSERT INTO ${this.s}.assets AS a (id, parent_id, level, name, type, attributes, updated_at)
       VALUES ($1, $2, $3, $4, $5, jsonb_build_object('defaults', $6::jsonb) || $7::jsonb, now())
       ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, level = EXCLUDED.level, name = EXCLUDED.name,
         type = EXCLUDED.type,
         attributes = a.attributes || jsonb_build_object('defaults', coalesce(a.attributes->'defaults', '{}'::jsonb) || $6::jsonb) || $7::jsonb,
         updated_at = now()
       RETURNING ${COLUMNS}`,
        [
          id,
          parentId,
          change.level,
          change.name,
          change.type ?? '',
          JSON.stringify(defaults),
          JSON.stringify(zone),
        ],
      );
      await this.audit.record(
        actorOf(principal),
        {
          action: 'asset.upsert',
          target: id,
          site: siteOfChange(id),
          detail: {
            level: change.level,
            name: change.name,
            type: change.type ?? '',
            settings: defaults,
            ...zone,
          },
        },
        tx,
      );
      return written.rows;
    });
    const row = rows[0];
    if (row === undefined) throw new Error(`upserting asset ${id} returned no row`);
    this.onChanged(id);
    return assetOf(row);
  }

  /** Leaf assets (level asset) at or below an asset, for roll-ups. */
  async leavesUnder(principal: Principal, id: string): Promise<string[]> {
    const asset = await this.get(principal, id);
    if (asset.level === 'asset') return [id];
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM ${this.s}.assets WHERE level = 'asset' AND starts_with(id, $1 || '/') ORDER BY id`,
      [id],
    );
    return rows.map((row) => row.id).filter((leaf) => canSeeAsset(principal, leaf));
  }
}

/** The site the principal reads: its own, or the narrower one asked for. */
export function siteScopeOf(principal: Principal, siteId: string | undefined): string {
  if (siteId === undefined) return principal.site;
  checkAssetId('siteId', siteId);
  if (siteOfAsset(siteId) !== siteId) {
    throw invalidArgument('siteId', `"${siteId}" is not a site id such as acme/plant-1`);
  }
  if (principal.site !== ALL_SITES && principal.site !== siteId) {
    throw permissionDenied(`site ${siteId} is outside site ${principal.site} of this credential`);
  }
  return siteId;
}
