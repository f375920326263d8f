// What every Kiln service process starts before its own work, in this order: OpenTelemetry, its metrics
// registry, the event bus with the topics it uses provisioned, and the ops endpoints (/healthz, /readyz,
// /metrics). Each is registered with the lifecycle, so SIGTERM stops them in reverse order.
import type { TopicSpec } from '@kiln/contracts';
import { createBus, type BusConfig, type EventBus } from '@kiln/bus';
import {
  createBusMetrics,
  createMetricsRegistry,
  startOpsServer,
  startTelemetry,
  type Logger,
  type OpsServer,
  type ReadinessCheck,
  type Registry,
  type ServiceLifecycle,
} from '@kiln/service-kit';

export interface RuntimeConfig {
  http: { host: string; port: number };
  telemetry: { otlpEndpoint?: string | undefined; serviceName?: string | undefined };
  shutdown: { drainTimeoutMs: number };
  bus: BusConfig;
}

export interface RuntimeOptions {
  /** The service name: OpenTelemetry service.name, the `service` metric label, dead-letter headers. */
  service: string;
  version: string;
  config: RuntimeConfig;
  logger: Logger;
  /** Topics this process publishes to or reads; created where missing. */
  topics: readonly TopicSpec[];
}

export interface Runtime {
  bus: EventBus;
  registry: Registry;
  /** Started last, by `serve()`, once the service's own components are up. */
  serve(readiness: readonly ReadinessCheck[]): Promise<OpsServer>;
}

export async function startRuntime(lifecycle: ServiceLifecycle, options: RuntimeOptions): Promise<Runtime> {
  const { config, logger, service } = options;
  lifecycle.add(
    startTelemetry({
      serviceName: config.telemetry.serviceName ?? service,
      serviceVersion: options.version,
      ...(config.telemetry.otlpEndpoint === undefined ? {} : { otlpEndpoint: config.telemetry.otlpEndpoint }),
    }),
  );
  const registry = createMetricsRegistry({ service });
  const bus = createBus(config.bus, {
    service,
    logger: logger.child({ component: 'bus' }),
    metrics: createBusMetrics(registry),
    drainTimeoutMs: config.shutdown.drainTimeoutMs,
  });
  lifecycle.add({ name: `${bus.kind} bus`, stop: () => bus.close() });
  await bus.provision(options.topics);
  logger.info({ bus: bus.kind, topics: options.topics.map((topic) => topic.name) }, 'event bus ready');

  return {
    bus,
    registry,
    serve: async (readiness) => {
      const ops = await startOpsServer({
        host: config.http.host,
        port: config.http.port,
        registry,
        logger,
        readiness: [{ name: 'bus', check: () => bus.ping() }, ...readiness],
      });
      lifecycle.add(ops);
      logger.info({ address: ops.address }, `ops endpoints on ${ops.address}/healthz, /readyz, /metrics`);
      return ops;
    },
  };
}
