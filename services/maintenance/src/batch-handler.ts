// One batch of the maintenance consumer, its telemetry decoded by the subscription (decode.ts; poison records went
// to the dead-letter topic): score each asset's samples with its model, then make the effects durable in an order that survives a crash at any point:
// health rows and alert decisions are stored (idempotent), published, and only then the models are saved. A crash
// before the save replays the batch into the older models, which re-derive the same health rows and alert ids.
import {
  effectFailure,
  type DecodedBatch,
  type EventBus,
  type RecordBatch,
  type TopicPartition,
} from '@kiln/bus';
import { encodeEvent, eventTopics } from '@kiln/contracts';
import type { AssetHealthUpdate, MonitorSample } from '@kiln/pdm';
import type { Logger } from '@kiln/service-kit';
import { alertToEvent, healthToEvent, type MaintenanceStore, type StoredAlert } from '@kiln/timeseries';
import type { AlertKeeper } from './alert-keeper';
import type { AssetModels } from './asset-models';
import type { DecodedTelemetry } from './decode';
import type { MaintenanceMetrics } from './metrics';

export interface HandlerDependencies {
  readonly store: MaintenanceStore;
  readonly models: AssetModels;
  readonly alerts: AlertKeeper;
  readonly bus: EventBus;
  readonly metrics: MaintenanceMetrics;
  readonly logger: Logger;
  readonly publishHealth: boolean;
  /** The partitions this instance owns now (models of others are dropped). */
  readonly assignments: () => readonly TopicPartition[];
}

interface Scored {
  readonly health: AssetHealthUpdate[];
  readonly alerts: StoredAlert[];
}

export class MaintenanceBatchHandler {
  constructor(private readonly deps: HandlerDependencies) {}

  async handle(batch: DecodedBatch<DecodedTelemetry>): Promise<void> {
    const samplesByAsset = new Map<string, MonitorSample[]>();
    for (const { event: decoded } of batch.events) {
      const samples = samplesByAsset.get(decoded.assetId) ?? [];
      for (const sample of decoded.samples) samples.push(sample);
      samplesByAsset.set(decoded.assetId, samples);
    }
    if (samplesByAsset.size === 0) return;
    const started = performance.now();
    try {
      await this.score(batch, samplesByAsset);
    } catch (error) {
      throw effectFailure(
        `scoring telemetry of ${batch.topic}[${batch.partition}] offsets ${batch.records[0]?.offset}..` +
          `${batch.records[batch.records.length - 1]?.offset} failed`,
        error,
      );
    }
    this.deps.metrics.batch((performance.now() - started) / 1000);
  }

  private async score(
    batch: RecordBatch,
    samplesByAsset: ReadonlyMap<string, MonitorSample[]>,
  ): Promise<void> {
    const { models, alerts, store, metrics } = this.deps;
    models.retain(this.deps.assignments());
    const assetIds = [...samplesByAsset.keys()];
    const monitors = await models.acquire(assetIds, batch.topic, batch.partition);
    metrics.assets(models.size);

    const scored: Scored = { health: [], alerts: [] };
    let sampleCount = 0;
    for (const [assetId, samples] of samplesByAsset) {
      const monitor = monitors.get(assetId);
      if (monitor === undefined) continue;
      const firstTimeUs = samples[0]?.timeUs ?? 0;
      for (const cause of alerts.takeResolved(assetId)) monitor.alertClosed(cause, firstTimeUs);
      const output = monitor.ingest(samples);
      sampleCount += samples.length;
      scored.health.push(...output.health);
      for (const decision of output.alerts) {
        const applied = await alerts.apply(assetId, decision);
        if (applied.alert !== undefined) scored.alerts.push(applied.alert);
        if (applied.action !== 'none') metrics.alert(applied.action);
        if (applied.action === 'opened') {
          this.deps.logger.info(
            { assetId, alertId: applied.alert?.alertId, cause: decision.cause, severity: decision.severity },
            'maintenance alert opened',
          );
        }
      }
      // A decision may have found its alert resolved by a person: re-arm before the next batch, not after it.
      for (const cause of alerts.takeResolved(assetId))
        monitor.alertClosed(cause, samples.at(-1)?.timeUs ?? 0);
    }

    await store.writeHealth(scored.health);
    metrics.healthUpdates(scored.health.length);
    await this.publish(scored);
    await store.saveModelStates(
      [...monitors].map(([assetId, monitor]) => ({
        assetId,
        state: monitor.snapshot(),
        updatedUs: Date.now() * 1000,
      })),
    );
    // Counted once every effect of the batch is durable: tests and dashboards read it as "scored and stored".
    metrics.samples(sampleCount);
  }

  private async publish(scored: Scored): Promise<void> {
    const { bus } = this.deps;
    if (scored.alerts.length > 0) {
      await bus.publish(
        eventTopics.maintenanceAlert.topic.name,
        scored.alerts.map((alert) => encodeEvent(eventTopics.maintenanceAlert, alertToEvent(alert))),
      );
    }
    if (this.deps.publishHealth && scored.health.length > 0) {
      await bus.publish(
        eventTopics.maintenanceHealth.topic.name,
        scored.health.map((health) => encodeEvent(eventTopics.maintenanceHealth, healthToEvent(health))),
      );
    }
  }
}
