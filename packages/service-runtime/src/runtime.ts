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
  /**
   * Start even when the bus is unreachable, creating the topics once it answers (ingestion: its
   * store-and-forward buffer takes samples during a bus outage). By default start-up fails instead.
   */
  tolerateBusOutage?: boolean;
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
  const stopProvisioning = new AbortController();
  lifecycle.add({
    name: `${bus.kind} bus`,
    stop: () => {
      stopProvisioning.abort();
      return bus.close();
    },
  });
  const provision = async (): Promise<void> => {
    await bus.provision(options.topics);
    logger.info({ bus: bus.kind, topics: options.topics.map((topic) => topic.name) }, 'event bus ready');
  };
  if (options.tolerateBusOutage) void provisionWhenReachable(provision, logger, stopProvisioning.signal);
  else await provision();

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

/** Retries provisioning with capped backoff until it succeeds or the service stops. */
async function provisionWhenReachable(provision: () => Promise<void>, logger: Logger, signal: AbortSignal) {
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    try {
      await provision();
      return;
    } catch (error) {
      const delayMs = Math.min(30_000, 1_000 * 2 ** attempt);
      logger.warn(
        { err: error, delayMs },
        'the bus is unreachable; starting anyway, topics are created once it answers',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
