// The OEE service's Prometheus metrics (docs/architecture.md section 10: throughput, batch durations, DLQ count).
import { Counter, Histogram, type Registry } from 'prom-client';

export type OeeMetrics = ReturnType<typeof createOeeMetrics>;

export function createOeeMetrics(registry: Registry) {
  const registers = [registry];
  const events = new Counter({
    name: 'kiln_oee_events_total',
    help: 'Events consumed and stored, by topic.',
    labelNames: ['topic'],
    registers,
  });
  const windows = new Counter({
    name: 'kiln_oee_windows_computed_total',
    help: 'Windows computed, by phase: closed (stored) or live (hot state).',
    labelNames: ['phase'],
    registers,
  });
  const published = new Counter({
    name: 'kiln_oee_results_published_total',
    help: 'New or corrected closed windows published to kiln.oee.v1.',
    registers,
  });
  const deadLettered = new Counter({
    name: 'kiln_oee_dead_lettered_total',
    help: 'Records that did not decode or broke a rule, sent to kiln.dlq.v1.',
    registers,
  });
  const reasonsUnmatched = new Counter({
    name: 'kiln_oee_stop_reasons_unmatched_total',
    help: 'Stop-reason assignments naming a stop start that is not stored.',
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'kiln_oee_batch_duration_seconds',
    help: 'Time to store a batch and recompute the windows it affects.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return {
    events: (topic: string, count: number) => events.inc({ topic }, count),
    windows: (phase: 'closed' | 'live', count: number) => windows.inc({ phase }, count),
    published: (count: number) => published.inc(count),
    deadLettered: () => deadLettered.inc(),
    reasonsUnmatched: (count: number) => reasonsUnmatched.inc(count),
    batch: (seconds: number) => batchSeconds.observe(seconds),
  };
}
