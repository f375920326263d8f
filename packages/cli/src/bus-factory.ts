// Picks the event bus implementation from configuration: the one place that knows both exist.
import { InProcessBus, KafkaBus, type BusLogger, type BusMetrics, type EventBus } from '@kiln/bus';
import type { PlatformConfig } from './config';

export interface BusDependencies {
  service: string;
  logger: BusLogger;
  metrics: BusMetrics;
  drainTimeoutMs: number;
}

export function createBus(config: PlatformConfig['bus'], deps: BusDependencies): EventBus {
  if (config.kind === 'kafka') {
    return new KafkaBus({
      ...deps,
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      ssl: config.kafka.ssl,
      ...(config.kafka.sasl ? { sasl: config.kafka.sasl } : {}),
      compression: config.kafka.compression,
      replicationFactor: config.kafka.replicationFactor,
    });
  }
  return new InProcessBus({
    ...deps,
    maxBufferedBytesPerPartition: config.inProcess.maxBufferedBytesPerPartition,
  });
}
