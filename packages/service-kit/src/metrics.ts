// Prometheus metrics of one service in its own registry (never prom-client's global one, so tests and
// several services in one process do not collide).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export { Registry } from 'prom-client';

export interface CreateMetricsRegistryOptions {
  /** Added as the `service` label to every metric of the registry. */
  readonly service: string;
  /** Process metrics (CPU, memory, event-loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}

/**
 * A registry for one service. Add service-specific metrics with `registers: [registry]`; a value known only
 * at scrape time (consumer lag, connector status) is a gauge with a `collect()` callback:
 * `new Gauge({ name: 'kiln_bus_consumer_lag_records', help, labelNames, registers: [registry], collect() {...} })`.
 */
export function createMetricsRegistry(options: CreateMetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Same shape as `BusMetrics` of `@kiln/bus` (kept structural so this package does not depend on the bus). */
export interface BusMetrics {
  recordsPublished(topic: string, count: number): void;
  recordsConsumed(topic: string, groupId: string, count: number): void;
  batchHandled(topic: string, groupId: string, records: number, durationMs: number): void;
  handlerFailed(topic: string, groupId: string): void;
  deadLettered(topic: string, groupId: string, count: number): void;
}

/** Registers the `kiln_bus_*` metrics in `registry`; call once per registry and share the result. */
export function createBusMetrics(registry: Registry): BusMetrics {
  const registers = [registry];
  const published = new Counter({
    name: 'kiln_bus_records_published_total',
    help: 'Records published to the bus.',
    labelNames: ['topic'] as const,
    registers,
  });
  const consumed = new Counter({
    name: 'kiln_bus_records_consumed_total',
    help: 'Records delivered to a consumer group handler.',
    labelNames: ['topic', 'group'] as const,
    registers,
  });
  const batchDuration = new Histogram({
    name: 'kiln_bus_batch_duration_seconds',
    help: 'Time a handler took for one batch, retries included.',
    labelNames: ['topic', 'group'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const batchSize = new Histogram({
    name: 'kiln_bus_batch_size_records',
    help: 'Records per handled batch.',
    labelNames: ['topic', 'group'] as const,
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000],
    registers,
  });
  const failures = new Counter({
    name: 'kiln_bus_handler_failures_total',
    help: 'Handler attempts that threw (each retry counts).',
    labelNames: ['topic', 'group'] as const,
    registers,
  });
  const deadLettered = new Counter({
    name: 'kiln_bus_dead_lettered_total',
    help: 'Records sent to the dead-letter topic.',
    labelNames: ['topic', 'group'] as const,
    registers,
  });

  return {
    recordsPublished: (topic, count) => published.inc({ topic }, count),
    recordsConsumed: (topic, group, count) => consumed.inc({ topic, group }, count),
    batchHandled: (topic, group, records, durationMs) => {
      batchDuration.observe({ topic, group }, durationMs / 1000);
      batchSize.observe({ topic, group }, records);
    },
    handlerFailed: (topic, group) => failures.inc({ topic, group }),
    deadLettered: (topic, group, count) => deadLettered.inc({ topic, group }, count),
  };
}
