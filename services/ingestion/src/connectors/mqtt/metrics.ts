// Connector counters in the service registry. Several connectors of one kind share a registry, so a counter is
// registered by the first and found by the others (prom-client refuses a second registration of a name).
import { Counter } from 'prom-client';
import type { Registry } from '@kiln/service-kit';

export function sharedCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  if (existing !== undefined) {
    throw new Error(
      `metric ${name} is already registered with another type; connector metrics must be counters`,
    );
  }
  return new Counter({ name, help, labelNames, registers: [registry] });
}
