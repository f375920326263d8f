// The maintenance service's Prometheus metrics (docs/architecture.md section 10: throughput, batch durations, DLQ count).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type MaintenanceMetrics = ReturnType<typeof createMaintenanceMetrics>;

export function createMaintenanceMetrics(registry: Registry) {
  const registers = [registry];
  const samples = new Counter({
    name: 'kiln_maintenance_samples_total',
    help: 'Telemetry samples (numbers and waveforms) scored by the model, counted once their effects are stored.',
    registers,
  });
  const healthUpdates = new Counter({
    name: 'kiln_maintenance_health_updates_total',
    help: 'Asset health updates stored (one per asset and closed feature window).',
    registers,
  });
  const alerts = new Counter({
    name: 'kiln_maintenance_alerts_total',
    help: 'Alert decisions applied, by action: opened (new alert), updated (severity or evidence changed).',
    labelNames: ['action'],
    registers,
  });
  const deadLettered = new Counter({
    name: 'kiln_maintenance_dead_lettered_total',
    help: 'Records that did not decode or broke a rule, sent to kiln.dlq.v1.',
    registers,
  });
  const assets = new Gauge({
    name: 'kiln_maintenance_assets_monitored',
    help: 'Assets whose model this instance holds in memory.',
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'kiln_maintenance_batch_duration_seconds',
    help: 'Time to score a batch, store its health, alerts and model states, and publish.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  return {
    samples: (count: number) => samples.inc(count),
    healthUpdates: (count: number) => healthUpdates.inc(count),
    alert: (action: 'opened' | 'updated') => alerts.inc({ action }),
    deadLettered: () => deadLettered.inc(),
    assets: (count: number) => assets.set(count),
    batch: (seconds: number) => batchSeconds.observe(seconds),
  };
}
