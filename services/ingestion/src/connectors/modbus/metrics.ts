// Prometheus metrics of the Modbus connectors, labelled by connector and device. Several Modbus connectors
// share one service registry, so each metric is registered once and reused by the next connector.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** ok: the device answered every request of the poll (values, or the refusal of a range); failed: it broke off. */
export type PollResult = 'ok' | 'failed';

/** Why a range gave no values: the device's exception response, or fewer bytes than the range needs. */
export type RangeFailureCause = 'modbus-exception' | 'modbus-short-response';

export interface ModbusMetrics {
  pollCompleted(device: string, result: PollResult, durationMs: number): void;
  /** One range of one poll gave no values; `code` is the exception code (absent for a short response). */
  rangeFailed(device: string, cause: RangeFailureCause, code?: number): void;
  deviceUp(device: string, up: boolean): void;
}

export function createModbusMetrics(registry: Registry, connector: string): ModbusMetrics {
  const polls = counter(
    registry,
    'kiln_modbus_polls_total',
    'Polls of a device, by result: ok (every request answered, values or a refused range), failed (no answer, connection lost).',
    ['connector', 'device', 'result'],
  );
  const duration = histogram(
    registry,
    'kiln_modbus_poll_duration_seconds',
    'Time one poll of a device took.',
    ['connector', 'device'],
  );
  const rangeFailures = counter(
    registry,
    'kiln_modbus_range_failures_total',
    'Ranges a device gave no values for, one per range and poll, by cause (modbus-exception, modbus-short-response) and exception code (2 = illegal data address, ...; empty for a short response).',
    ['connector', 'device', 'cause', 'code'],
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
    rangeFailed: (device, cause, code) =>
      rangeFailures.inc({ connector, device, cause, code: code === undefined ? '' : String(code) }),
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
