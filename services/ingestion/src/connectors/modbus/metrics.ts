// Prometheus metrics of the Modbus connectors, labelled by connector and device. Several Modbus connectors
// share one service registry, so each metric is registered once and reused by the next connector.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type PollResult = 'ok' | 'exception' | 'failed';

export interface ModbusMetrics {
  pollCompleted(device: string, result: PollResult, durationMs: number): void;
  exceptionReceived(device: string, code: number): void;
  deviceUp(device: string, up: boolean): void;
}

export function createModbusMetrics(registry: Registry, connector: string): ModbusMetrics {
  const polls = counter(registry, 'kiln_modbus_polls_total', 'Polls of a device, by result.', [
    'connector',
    'device',
    'result',
  ]);
  const duration = histogram(
    registry,
    'kiln_modbus_poll_duration_seconds',
    'Time one poll of a device took.',
    ['connector', 'device'],
  );
  const exceptions = counter(
    registry,
    'kiln_modbus_exceptions_total',
    'Modbus exception responses, by exception code (2 = illegal data address, ...).',
    ['connector', 'device', 'code'],
  );
  const up = gauge(registry, 'kiln_modbus_device_up', '1 while the device is connected and answering.', [
    'connector',
    'device',
  ]);
  return {
    pollCompleted: (device, result, durationMs) => {
      polls.inc({ connector, device, result });
      duration.observe({ connector, device }, durationMs / 1000);
    },
    exceptionReceived: (device, code) => exceptions.inc({ connector, device, code: String(code) }),
    deviceUp: (device, isUp) => up.set({ connector, device }, isUp ? 1 : 0),
  };
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry, name: string, help: string, labelNames: string[]): Histogram {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name,
    help,
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
