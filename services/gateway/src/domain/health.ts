// Asset health as the maintenance service scores it (asset_health): the latest score with its signals and
// remaining useful life, and the series over a range, within the principal's site.
import type { AssetHealthRow, MaintenanceStore } from '@kiln/timeseries';
import { authorizeAsset, type Principal } from '../auth/principal';
import { notFound } from '../errors';
import type { TimeRangeUs } from './range';

/** One score per feature window (minutes): a year of one asset fits. */
export const MAX_HEALTH_POINTS = 100_000;

export interface HealthHistory {
  readonly points: AssetHealthRow[];
  /** More scores lie in the range after the last point: ask again from just after it. */
  readonly truncated: boolean;
}

export class HealthQueries {
  constructor(
    private readonly store: MaintenanceStore,
    /** The most scores one history answers. */
    private readonly maxPoints: number = MAX_HEALTH_POINTS,
  ) {}

  async latest(principal: Principal, assetId: string): Promise<AssetHealthRow> {
    authorizeAsset(principal, assetId, 'reader');
    const latest = await this.store.latestHealth(assetId);
    if (latest === undefined) throw notFound(`no health of asset ${assetId} yet`);
    return latest;
  }

  /** The scores in [from, to), oldest first, at most maxPoints (the earliest ones). */
  async history(principal: Principal, assetId: string, range: TimeRangeUs): Promise<HealthHistory> {
    authorizeAsset(principal, assetId, 'reader');
    const rows = await this.store.healthHistory(assetId, range.fromUs, range.toUs, this.maxPoints + 1);
    return { points: rows.slice(0, this.maxPoints), truncated: rows.length > this.maxPoints };
  }
}
