// OpenTelemetry for a service. Always: a tracer provider, W3C trace-context propagation and an
// AsyncLocalStorage context manager, so trace ids follow a sample across Kafka hops even with nothing
// exported. Only with an OTLP endpoint: exporters. Nothing is read from OTEL_* variables (NodeSDK would
// default to exporting to localhost), so "off" means no network at all.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { core, node } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Stoppable } from './lifecycle';

export interface StartTelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP base URL of a collector (`http://otel-collector:4318`); `/v1/traces` and `/v1/metrics` are appended. */
  readonly otlpEndpoint?: string;
  /** How often metrics are pushed to the collector; default 60000. */
  readonly metricExportIntervalMs?: number;
}

export interface Telemetry extends Stoppable {
  /** Flushes pending spans and metrics, then unregisters the global providers. */
  shutdown(): Promise<void>;
}

/** Registers global OpenTelemetry providers; one `Telemetry` may be active per process at a time. */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    }),
  );
  const endpoint = options.otlpEndpoint?.replace(/\/+$/, '');

  const tracerProvider = new node.NodeTracerProvider({
    resource,
    spanProcessors:
      endpoint === undefined
        ? []
        : [new node.BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  // Leaving contextManager undefined registers the AsyncLocalStorage context manager.
  tracerProvider.register({
    propagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  });

  const meterProvider =
    endpoint === undefined
      ? undefined
      : new MeterProvider({
          resource,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
              exportIntervalMillis: options.metricExportIntervalMs ?? 60_000,
            }),
          ],
        });
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);

  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopped ??= (async () => {
      try {
        await Promise.all([tracerProvider.shutdown(), meterProvider?.shutdown()]);
      } finally {
        // Unregister so a later startTelemetry (tests, in-process restarts) can register again.
        trace.disable();
        propagation.disable();
        context.disable();
        metrics.disable();
      }
    })();
    return stopped;
  };
  return { name: 'telemetry', shutdown, stop: shutdown };
}
