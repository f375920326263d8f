// The wall clock of an asset: the IANA zone of its site (`attributes.timeZone` of the site row, from the plant file
// or PUT /api/v1/assets), else the deployment's oee.timeZone. Read through a short cache like the asset settings:
// a changed zone applies to windows computed from then on.
import { isTimeZone, type TimeZone } from '@kiln/oee';
import type { Database } from '@kiln/timeseries';

export const SITE_TIME_ZONE_CACHE_MS = 30_000;

/** The site of an asset id: its first two path segments (`acme/plant-1` of `acme/plant-1/pressing/press-04`). */
export function siteIdOf(assetId: string): string {
  return assetId.split('/').slice(0, 2).join('/');
}

export class SiteTimeZones {
  private readonly cache = new Map<string, { zone: TimeZone; until: number }>();
  private readonly table: string;

  constructor(
    private readonly db: Database,
    schema: string,
    /** The deployment's zone (`deploymentTimeZone` of the OEE section). */
    private readonly fallback: TimeZone,
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {
    this.table = `"${schema}".assets`;
  }

  async for(assetId: string): Promise<TimeZone> {
    const siteId = siteIdOf(assetId);
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(siteId);
    if (cached !== undefined && cached.until > now) return cached.zone;
    const { rows } = await this.db.query<{ zone: unknown }>(
      `SELECT attributes->>'timeZone' AS zone FROM ${this.table} WHERE id = $1 AND level = 'site'`,
      [siteId],
    );
    const stored = rows[0]?.zone;
    // The plant file and the gateway refuse unknown zones; one this runtime does not know falls back.
    const zone = typeof stored === 'string' && isTimeZone(stored) ? stored : this.fallback;
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(siteId, { zone, until: now + (this.options.cacheMs ?? SITE_TIME_ZONE_CACHE_MS) });
    return zone;
  }

  /** Forgets cached zones (of the site of one asset, or all) so the next computation reads them again. */
  forget(assetId?: string): void {
    if (assetId === undefined) this.cache.clear();
    else this.cache.delete(siteIdOf(assetId));
  }
}
