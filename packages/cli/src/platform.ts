// The Kiln platform in one process (`kiln start`): telemetry, metrics, the event bus with the topic catalogue
// provisioned, the dead-letter monitor and the ops server. Services join here as their issues land.
import { catalogueWithPartitions } from '@kiln/contracts';
import { createBus, type EventBus } from '@kiln/bus';
import {
  createBusMetrics,
  createMetricsRegistry,
  startOpsServer,
  startTelemetry,
  type Logger,
  type OpsServer,
  type ServiceLifecycle,
} from '@kiln/service-kit';
import type { PlatformConfig } from './config';
import { startDlqMonitor } from './dlq-monitor';

export const SERVICE_NAME = 'kiln';

export interface StartedPlatform {
  bus: EventBus;
  ops: OpsServer;
}

export async function startPlatform(
  lifecycle: ServiceLifecycle,
  config: PlatformConfig,
  logger: Logger,
  version: string,
): Promise<StartedPlatform> {
  lifecycle.add(
    startTelemetry({
      serviceName: config.telemetry.serviceName ?? SERVICE_NAME,
      serviceVersion: version,
      ...(config.telemetry.otlpEndpoint === undefined ? {} : { otlpEndpoint: config.telemetry.otlpEndpoint }),
    }),
  );
  const registry = createMetricsRegistry({ service: SERVICE_NAME });

  const bus = createBus(config.bus, {
    service: SERVICE_NAME,
    logger: logger.child({ component: 'bus' }),
    metrics: createBusMetrics(registry),
    drainTimeoutMs: config.shutdown.drainTimeoutMs,
  });
  lifecycle.add({ name: `${bus.kind} bus`, stop: () => bus.close() });
  await bus.provision(catalogueWithPartitions(config.topics.partitions));
  logger.info(
    { bus: bus.kind, topics: config.topics.partitions },
    'event bus ready, topic catalogue provisioned',
  );

  const dlqMonitor = await startDlqMonitor(bus, registry, logger);
  lifecycle.add({ name: 'dlq-monitor', stop: () => dlqMonitor.close() });

  const ops = await startOpsServer({
    host: config.http.host,
    port: config.http.port,
    registry,
    logger,
    readiness: [
      { name: 'bus', check: () => bus.ping() },
      {
        name: 'dlq-monitor',
        check: async () => {
          if (!dlqMonitor.isReady()) throw new Error('not yet a member of its consumer group');
        },
      },
    ],
  });
  lifecycle.add(ops);
  logger.info({ address: ops.address }, `ops endpoints on ${ops.address}/healthz, /readyz, /metrics`);
  return { bus, ops };
}
