// The gateway's Prometheus metrics (docs/architecture.md section 10): requests by transport, route or method and outcome,
// how long they took, and the inputs refused at the boundary by the field at fault.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  /** `route` is the REST route pattern or the gRPC method path; `outcome` the HTTP status or gRPC status name. */
  request(transport: 'rest' | 'grpc', route: string, outcome: string, seconds: number): void;
  /** A request refused as invalid (400 / INVALID_ARGUMENT); `field` as the error names it. */
  invalidInput(transport: 'rest' | 'grpc', route: string, field: string): void;
  /** Signals of latest-value requests answered from the gateway's memory and read from the hot state. */
  latestServed(fromMemory: number, read: number): void;
}

/** `events[12].reasonText` -> `events[].reasonText`: one label value per field, not per index. */
export const fieldLabelOf = (field: string): string => field.replace(/\[\d+\]/g, '[]').slice(0, 100);

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'kiln_gateway_requests_total',
    help: 'API requests answered, by transport, route (REST pattern or gRPC method) and outcome (status).',
    labelNames: ['transport', 'route', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'kiln_gateway_request_duration_seconds',
    help: 'Time to answer an API request (a gRPC stream: until it ended), by transport and route.',
    labelNames: ['transport', 'route'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const invalid = new Counter({
    name: 'kiln_gateway_invalid_inputs_total',
    help: 'Requests refused as invalid (REST 400, gRPC INVALID_ARGUMENT), by transport, route and field at fault.',
    labelNames: ['transport', 'route', 'field'],
    registers,
  });
  const latest = new Counter({
    name: 'kiln_gateway_latest_signals_total',
    help: 'Signals of latest-value requests, by where the answer came from: memory (read from Redis at most gateway.latest.maxAgeMs ago) or hot-state (read on the request).',
    labelNames: ['from'],
    registers,
  });
  // Bound once: counted on every latest-value request.
  const fromMemory = latest.labels({ from: 'memory' });
  const fromHotState = latest.labels({ from: 'hot-state' });
  return {
    request: (transport, route, outcome, seconds) => {
      requests.inc({ transport, route, outcome });
      duration.observe({ transport, route }, seconds);
    },
    invalidInput: (transport, route, field) => {
      invalid.inc({ transport, route, field: fieldLabelOf(field) });
    },
    latestServed: (remembered, read) => {
      if (remembered > 0) fromMemory.inc(remembered);
      if (read > 0) fromHotState.inc(read);
    },
  };
}
