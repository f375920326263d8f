// The models of the assets whose partitions this instance owns, in memory, loaded from the database the first time
// an asset is seen and saved after every batch that changed them. A partition that moves to another member leaves
// with its assets' models: they are dropped here and the new owner loads what was saved last.
import type { TopicPartition } from '@kiln/bus';
import { AssetMonitor, type AssetMonitorState, type PdmConfig } from '@kiln/pdm';
import type { MaintenanceStore } from '@kiln/timeseries';
import type { AlertKeeper } from './alert-keeper';

interface Entry {
  readonly monitor: AssetMonitor;
  /** The partition the asset's telemetry arrives on. */
  readonly source: string;
}

const sourceOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class AssetModels {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: MaintenanceStore,
    private readonly alerts: AlertKeeper,
    private readonly config: PdmConfig,
    /** Told when a saved state cannot be restored (e.g. written by an incompatible version): the model relearns. */
    private readonly onStateRejected: (assetId: string, error: unknown) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The models of these assets (of one partition), loading the ones not in memory from their saved state. */
  async acquire(
    assetIds: readonly string[],
    topic: string,
    partition: number,
  ): Promise<Map<string, AssetMonitor>> {
    const missing = assetIds.filter((assetId) => !this.entries.has(assetId));
    if (missing.length > 0) {
      const saved = await this.store.loadModelStates(missing);
      await Promise.all(missing.map((assetId) => this.alerts.loadAsset(assetId)));
      for (const assetId of missing) {
        this.entries.set(assetId, {
          monitor: this.restore(assetId, saved.get(assetId)),
          source: sourceOf(topic, partition),
        });
      }
    }
    const monitors = new Map<string, AssetMonitor>();
    for (const assetId of assetIds) {
      const entry = this.entries.get(assetId);
      if (entry !== undefined) monitors.set(assetId, entry.monitor);
    }
    return monitors;
  }

  private restore(assetId: string, state: unknown): AssetMonitor {
    if (state === undefined) return new AssetMonitor(assetId, this.config);
    try {
      return new AssetMonitor(assetId, this.config, state as AssetMonitorState);
    } catch (error) {
      this.onStateRejected(assetId, error);
      return new AssetMonitor(assetId, this.config);
    }
  }

  /** Drops the models of assets whose partition this instance no longer owns. */
  retain(assigned: readonly TopicPartition[]): number {
    const owned = new Set(assigned.map((tp) => sourceOf(tp.topic, tp.partition)));
    let dropped = 0;
    for (const [assetId, entry] of this.entries) {
      if (owned.has(entry.source)) continue;
      this.entries.delete(assetId);
      this.alerts.forget(assetId);
      dropped += 1;
    }
    return dropped;
  }
}
