// One batch of the OEE consumer, decoded by the subscription (decode.ts; poison records went to the dead-letter
// topic): store the inputs, recompute the windows they affect once per asset, upsert the closed ones in bulk, keep
// the open ones live and publish the new or corrected results once. Also the timer's work of closing windows whose
// end has passed.
import { effectFailure, type DecodedBatch, type EventBus, type RecordBatch } from '@kiln/bus';
import { encodeEvent, eventTopics, type OeeResult } from '@kiln/contracts';
import type { OeeWindow } from '@kiln/oee';
import { OeeEngine, type LiveOee, type OeeStore, type ResultToPublish } from '@kiln/oee-store';
import type { Logger } from '@kiln/service-kit';
import type { HistorianWriter } from '@kiln/timeseries';
import type { AssetLocks } from './asset-locks';
import { storeInputs, type AffectedRanges } from './batch-inputs';
import type { Decoded } from './decode';
import type { OeeMetrics } from './metrics';

export interface HandlerDependencies {
  /** Batches sharing no asset run side by side. */
  readonly locks: AssetLocks;
  /** Epoch microseconds. */
  readonly nowUs: () => number;
  readonly store: OeeStore;
  readonly engine: OeeEngine;
  readonly writer: HistorianWriter;
  readonly bus: EventBus;
  readonly live: LiveOee;
  readonly metrics: OeeMetrics;
  readonly logger: Logger;
}

/** An asset's windows computed in one go: the closed ones to store, the open ones to keep live. */
interface AssetResults {
  readonly closed: OeeResult[];
  readonly live: OeeResult[];
}

export class OeeBatchHandler {
  constructor(private readonly deps: HandlerDependencies) {}

  async handle(batch: DecodedBatch<Decoded>): Promise<void> {
    const decoded = batch.events.map(({ event }) => event);
    if (decoded.length === 0) return;
    const assets = new Set(decoded.map((event) => event.value.assetId));
    await this.deps.locks.run(assets, () => this.storeAndRecompute(batch, decoded));
  }

  private async storeAndRecompute(batch: RecordBatch, decoded: readonly Decoded[]): Promise<void> {
    const started = performance.now();
    const nowUs = this.deps.nowUs();
    try {
      const affected = await storeInputs(this.deps, batch, decoded, nowUs);
      await this.recompute(affected, nowUs);
    } catch (error) {
      throw effectFailure(
        `storing or recomputing OEE for ${batch.topic}[${batch.partition}] offsets ` +
          `${batch.records[0]?.offset}..${batch.records[batch.records.length - 1]?.offset} failed`,
        error,
      );
    }
    this.deps.metrics.events(batch.topic, decoded.length);
    this.deps.metrics.batch((performance.now() - started) / 1000);
  }

  /** Each affected asset's closed windows and open ones, computed together; then stored, kept live, published. */
  private async recompute(affected: AffectedRanges, nowUs: number): Promise<void> {
    const { engine } = this.deps;
    const results = await Promise.all(
      [...affected.byAsset].map(async ([assetId, ranges]) => {
        const [windows, open] = await Promise.all([
          engine.windowsOf(assetId, ranges, nowUs),
          engine.openWindows(assetId, nowUs),
        ]);
        return this.computeAsset(assetId, windows, open, nowUs);
      }),
    );
    const changed = await this.store(results, nowUs);
    await this.publish(changed);
  }

  private async computeAsset(
    assetId: string,
    windows: readonly OeeWindow[],
    open: readonly OeeWindow[],
    nowUs: number,
  ): Promise<AssetResults> {
    const closed = windows.filter((window) => OeeEngine.isClosed(window, nowUs));
    const results = await this.deps.engine.computeAll(assetId, [...closed, ...open], nowUs);
    return { closed: results.slice(0, closed.length), live: results.slice(closed.length) };
  }

  /** Upserts the closed windows in bulk and keeps the open ones live; returns the results to publish. */
  private async store(results: readonly AssetResults[], nowUs: number): Promise<ResultToPublish[]> {
    const closed = results.flatMap((result) => result.closed);
    const live = results.flatMap((result) => result.live);
    this.deps.metrics.windows('closed', closed.length);
    const changed = await this.deps.store.upsertResults(closed, nowUs);
    await Promise.all(live.map((result) => this.deps.live.set(result)));
    this.deps.metrics.windows('live', live.length);
    return changed;
  }

  /** Publishes new or corrected windows, then records that they were published. */
  private async publish(changed: readonly ResultToPublish[]): Promise<void> {
    if (changed.length === 0) return;
    const messages: OeeResult[] = changed.map((entry) => entry.message);
    await this.deps.bus.publish(
      eventTopics.oee.topic.name,
      messages.map((message) => encodeEvent(eventTopics.oee, message)),
    );
    await this.deps.store.markPublished(messages);
    this.deps.metrics.published(messages.length);
  }

  /** The timer's work: windows of the owned partitions' assets that ended since they were last closed. */
  async closeDue(partitions: readonly number[], nowUs: number, maxWindows: number): Promise<number> {
    const { store, engine } = this.deps;
    let closedCount = 0;
    for (const asset of await store.dueAssets(partitions, nowUs)) {
      const [windows, open] = await Promise.all([
        engine.windowsOf(asset.assetId, [{ fromUs: asset.closedThroughUs, toUs: nowUs }], nowUs),
        engine.openWindows(asset.assetId, nowUs),
      ]);
      const due = windows
        .filter((window) => window.endUs > asset.closedThroughUs && OeeEngine.isClosed(window, nowUs))
        .sort((a, b) => a.endUs - b.endUs);
      const batch = due.slice(0, maxWindows);
      const changed = await this.store([await this.computeAsset(asset.assetId, batch, open, nowUs)], nowUs);
      await this.publish(changed);
      const last = batch[batch.length - 1];
      await store.setClosedThrough(
        asset.assetId,
        due.length > maxWindows && last !== undefined ? last.endUs : nowUs,
      );
      closedCount += batch.length;
    }
    return closedCount;
  }
}
