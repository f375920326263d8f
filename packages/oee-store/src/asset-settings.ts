// The OEE settings of an asset: the configuration's default, overridden by the longest matching asset-id prefix of
// the configuration, overridden by the asset's own defaults in the database (`assets.attributes.defaults`: the
// plant file's `defaults` and what `PUT /api/v1/assets/{id}` sets). Read through a short cache: a change applies
// to windows computed from then on (closed windows keep the settings they were computed with, stored with them).
import type { OeeSettingsInput } from '@kiln/oee';
import type { Database } from '@kiln/timeseries';
import { settingsFor } from './calendar';
import type { OeeSection } from './oee-section';

export const ASSET_SETTINGS_CACHE_MS = 30_000;

/** `attributes.defaults` of an asset -> the core's settings it holds (unknown or invalid keys left out). */
export function settingsFromAttributes(defaults: unknown): Partial<OeeSettingsInput> {
  if (typeof defaults !== 'object' || defaults === null) return {};
  const record = defaults as Record<string, unknown>;
  const number = (key: string): number | undefined => {
    const value = record[key];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const ideal = number('idealCycleTimeS');
  const threshold = number('microStopThresholdS');
  return {
    ...(ideal === undefined || ideal === 0 ? {} : { defaultIdealCycleTimeS: ideal }),
    ...(threshold === undefined ? {} : { microStopThresholdS: threshold }),
  };
}

export class AssetSettings {
  private readonly cache = new Map<string, { settings: OeeSettingsInput; until: number }>();
  private readonly table: string;

  constructor(
    private readonly db: Database,
    schema: string,
    private readonly configured: OeeSection['settings'],
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {
    this.table = `"${schema}".assets`;
  }

  async for(assetId: string): Promise<OeeSettingsInput> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(assetId);
    if (cached !== undefined && cached.until > now) return cached.settings;
    const { rows } = await this.db.query<{ defaults: unknown }>(
      `SELECT attributes->'defaults' AS defaults FROM ${this.table} WHERE id = $1`,
      [assetId],
    );
    const settings = {
      ...settingsFor(assetId, this.configured),
      ...settingsFromAttributes(rows[0]?.defaults),
    };
    if (this.cache.size >= 50_000) this.cache.clear();
    this.cache.set(assetId, { settings, until: now + (this.options.cacheMs ?? ASSET_SETTINGS_CACHE_MS) });
    return settings;
  }

  /** Forgets cached settings (of one asset, or all) so the next computation reads them again. */
  forget(assetId?: string): void {
    if (assetId === undefined) this.cache.clear();
    else this.cache.delete(assetId);
  }
}
