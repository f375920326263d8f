// The normalization service's Prometheus metrics (docs/architecture.md section 10: throughput, lag, write latency, DLQ).
import type { NormalizerStats } from '@kiln/asset-model';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type NormalizationMetrics = ReturnType<typeof createNormalizationMetrics>;

export type HistorianTable = 'telemetry' | 'machine_states' | 'production_counts';

export function createNormalizationMetrics(registry: Registry, unmappedTags: () => number) {
  const registers = [registry];
  const samples = new Counter({
    name: 'kiln_normalization_samples_total',
    help: 'Raw samples read from kiln.raw.v1 and handed to the normalizer.',
    registers,
  });
  const sampleOutcomes = new Counter({
    name: 'kiln_normalization_sample_outcomes_total',
    help: 'What became of samples: mapped, unmapped, duplicates, outOfOrder, deadbandSuppressed, skewFallbacks, ...',
    labelNames: ['outcome'],
    registers,
  });
  const rejected = new Counter({
    name: 'kiln_normalization_rejected_samples_total',
    help: 'Mapped samples the normalizer could not use, by reason (the rest of their record is processed).',
    labelNames: ['reason'],
    registers,
  });
  const rowsWritten = new Counter({
    name: 'kiln_normalization_rows_written_total',
    help: 'Rows handed to the historian; those not inserted were already stored (a replay).',
    labelNames: ['table'],
    registers,
  });
  const rowsInserted = new Counter({
    name: 'kiln_normalization_rows_inserted_total',
    help: 'Rows the historian inserted (new rows).',
    labelNames: ['table'],
    registers,
  });
  const writeSeconds = new Histogram({
    name: 'kiln_normalization_write_duration_seconds',
    help: 'One historian write transaction, by table.',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const stateChanges = new Counter({
    name: 'kiln_normalization_state_changes_total',
    help: 'Machine-state changes published on kiln.machine-state.v1.',
    registers,
  });
  const countDeltas = new Counter({
    name: 'kiln_normalization_count_deltas_total',
    help: 'Production-count deltas published on kiln.production-count.v1.',
    registers,
  });
  const counterResets = new Counter({
    name: 'kiln_normalization_counter_resets_total',
    help: 'PLC counters that dropped without a rollover (parts may have been lost before the reset).',
    registers,
  });
  const deadLettered = new Counter({
    name: 'kiln_normalization_dead_lettered_total',
    help: 'Raw records that did not decode, sent to kiln.dlq.v1.',
    registers,
  });
  const replaySkipped = new Counter({
    name: 'kiln_normalization_replay_skipped_records_total',
    help: 'Redelivered raw records whose effects were already durable, skipped.',
    registers,
  });
  const lagSeconds = new Gauge({
    name: 'kiln_normalization_batch_lag_seconds',
    help: 'Now minus the newest receive time of the last handled batch.',
    registers,
  });
  new Gauge({
    name: 'kiln_normalization_unmapped_tags',
    help: 'Distinct tags (per source) no mapping rule maps, on the partitions this instance owns.',
    registers,
    collect() {
      this.set(unmappedTags());
    },
  });
  const reloads = new Counter({
    name: 'kiln_normalization_plant_reloads_total',
    help: 'Plant file changes applied without a restart.',
    registers,
  });
  const reloadFailures = new Counter({
    name: 'kiln_normalization_plant_reload_failures_total',
    help: 'Plant file changes not applied (invalid file, or storing it failed); the previous one keeps running.',
    labelNames: ['reason'],
    registers,
  });
  const rollupRefreshSeconds = new Histogram({
    name: 'kiln_normalization_rollup_refresh_duration_seconds',
    help: 'One refresh of the pending rollup ranges.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers,
  });

  return {
    batchStats(stats: NormalizerStats): void {
      samples.inc(stats.samples);
      for (const [outcome, count] of Object.entries(stats)) {
        if (outcome !== 'samples' && count > 0) sampleOutcomes.inc({ outcome }, count);
      }
    },
    rejected: (reason: string) => rejected.inc({ reason }),
    written(table: HistorianTable, received: number, inserted: number, durationMs: number): void {
      rowsWritten.inc({ table }, received);
      rowsInserted.inc({ table }, inserted);
      writeSeconds.observe({ table }, durationMs / 1000);
    },
    published(states: number, deltas: number): void {
      stateChanges.inc(states);
      countDeltas.inc(deltas);
    },
    counterReset: () => counterResets.inc(),
    deadLettered: () => deadLettered.inc(),
    replaySkipped: (count: number) => replaySkipped.inc(count),
    lag: (seconds: number) => lagSeconds.set(seconds),
    reloaded: () => reloads.inc(),
    reloadFailed: (reason: string) => reloadFailures.inc({ reason }),
    rollupsRefreshed: (durationMs: number) => rollupRefreshSeconds.observe(durationMs / 1000),
  };
}
