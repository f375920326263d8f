// The join of ERP work centers and Kiln assets (YAML: `workCenters: { L1M01: acme/plant-1/line-1/press-1 }`), both
// ways: inbound orders and shifts are keyed by asset, outbound confirmations and notifications name work centers.

export class WorkCenterMap {
  private readonly byWorkCenter: ReadonlyMap<string, string>;
  private readonly byAsset: ReadonlyMap<string, string>;

  constructor(entries: Readonly<Record<string, string>>) {
    this.byWorkCenter = new Map(Object.entries(entries));
    const byAsset = new Map<string, string>();
    for (const [workCenter, assetId] of this.byWorkCenter) {
      const other = byAsset.get(assetId);
      if (other !== undefined) {
        throw new Error(
          `erpSync.workCenters: asset "${assetId}" is mapped from both "${other}" and "${workCenter}"`,
        );
      }
      byAsset.set(assetId, workCenter);
    }
    this.byAsset = byAsset;
  }

  get size(): number {
    return this.byWorkCenter.size;
  }

  assetOf(workCenter: string): string | undefined {
    return this.byWorkCenter.get(workCenter);
  }

  workCenterOf(assetId: string): string | undefined {
    return this.byAsset.get(assetId);
  }
}
