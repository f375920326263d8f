// The Kiln platform in one process (`kiln start`): the runtime (telemetry, metrics, bus with the whole topic
// catalogue, ops endpoints), the dead-letter monitor, and the services as their issues land.
import { catalogueWithPartitions } from '@kiln/contracts';
import type { EventBus } from '@kiln/bus';
import { startRuntime } from '@kiln/service-runtime';
import type { Logger, OpsServer, ServiceLifecycle } from '@kiln/service-kit';
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
  const runtime = await startRuntime(lifecycle, {
    service: SERVICE_NAME,
    version,
    config,
    logger,
    topics: catalogueWithPartitions(config.topics.partitions),
  });
  const { bus, registry } = runtime;

  const dlqMonitor = await startDlqMonitor(bus, registry, logger);
  lifecycle.add({ name: 'dlq-monitor', stop: () => dlqMonitor.close() });

  const ops = await runtime.serve([
    {
      name: 'dlq-monitor',
      check: async () => {
        if (!dlqMonitor.isReady()) throw new Error('not yet a member of its consumer group');
      },
    },
  ]);
  return { bus, ops };
}
