// The OPC UA connectors' own metrics. Several OPC UA connectors share the service's registry, so each metric
// is registered once per registry and labelled with the connector id.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface OpcuaMetrics {
  monitoredItems(count: number): void;
  dataChanges(count: number): void;
  reconnected(): void;
  sessionUp(up: boolean): void;
}

type Label = 'connector';

export function createOpcuaMetrics(registry: Registry, connectorId: string): OpcuaMetrics {
  const labels = { connector: connectorId };
  const monitoredItems = gauge(
    registry,
    'kiln_opcua_monitored_items',
    'Monitored items the server accepted.',
  );
  const dataChanges = counter(
    registry,
    'kiln_opcua_data_changes_total',
    'Data change notifications received from the server (kiln_ingestion_samples_received_total counts their values once the buffer wrote them).',
  );
  const reconnects = counter(
    registry,
    'kiln_opcua_reconnects_total',
    'Times the connector got its session back after losing it (repaired by node-opcua or re-created).',
  );
  const sessionUp = gauge(
    registry,
    'kiln_opcua_session_up',
    '1 while the session and its subscription are up.',
  );
  sessionUp.set(labels, 0);
  monitoredItems.set(labels, 0);
  reconnects.inc(labels, 0);
  dataChanges.inc(labels, 0);
  return {
    monitoredItems: (count) => monitoredItems.set(labels, count),
    dataChanges: (count) => dataChanges.inc(labels, count),
    reconnected: () => reconnects.inc(labels),
    sessionUp: (up) => sessionUp.set(labels, up ? 1 : 0),
  };
}

function counter(registry: Registry, name: string, help: string): Counter<Label> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<Label>;
  if (existing !== undefined) throw new Error(`metric ${name} is already registered with another type`);
  return new Counter({ name, help, labelNames: ['connector'], registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge<Label> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing as Gauge<Label>;
  if (existing !== undefined) throw new Error(`metric ${name} is already registered with another type`);
  return new Gauge({ name, help, labelNames: ['connector'], registers: [registry] });
}
