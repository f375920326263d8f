// What every Kiln service configures the same way. A service spreads `serviceConfigSchema` into its own
// strict schema and `serviceEnvMap` into its own environment map.
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The ops HTTP server (`/healthz`, `/readyz`, `/metrics`). Port 0 binds any free port. */
export const httpConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
});

export const logConfigSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
});

/** No `otlpEndpoint`, no exporters: traces still propagate through Kafka headers, nothing leaves the process. */
export const telemetryConfigSchema = z.strictObject({
  /** OTLP/HTTP base URL of a collector, e.g. `http://otel-collector:4318`. */
  otlpEndpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** Overrides the service's own name as OpenTelemetry `service.name`. */
  serviceName: z.string().min(1).optional(),
});

/** docs/architecture.md section 10: drain in-flight work and close connections within 10 s of SIGTERM. */
export const shutdownConfigSchema = z
  .strictObject({
    /** After this, components are asked (via `StopContext.drainSignal`) to stop waiting for in-flight work. */
    drainTimeoutMs: z.number().int().positive().default(8000),
    /** After this, the process exits with code 1 and names the component that did not stop. */
    hardTimeoutMs: z.number().int().positive().default(10_000),
  })
  .refine((shutdown) => shutdown.drainTimeoutMs <= shutdown.hardTimeoutMs, {
    message: 'drainTimeoutMs must not exceed hardTimeoutMs',
    path: ['drainTimeoutMs'],
  });

/**
 * Shape fragments every service has, each defaulted as a whole so an empty file is valid:
 * `z.strictObject({ ...serviceConfigSchema, bus: busConfigSchema })`.
 */
export const serviceConfigSchema = {
  http: httpConfigSchema.prefault({}),
  log: logConfigSchema.prefault({}),
  telemetry: telemetryConfigSchema.prefault({}),
  shutdown: shutdownConfigSchema.prefault({}),
};

/** Environment names (before `envPrefix`) for `serviceConfigSchema`; with prefix `KILN_`: `KILN_HTTP_PORT`. */
export const serviceEnvMap = {
  HTTP_HOST: 'http.host',
  HTTP_PORT: 'http.port',
  LOG_LEVEL: 'log.level',
  OTLP_ENDPOINT: 'telemetry.otlpEndpoint',
  OTEL_SERVICE_NAME: 'telemetry.serviceName',
  SHUTDOWN_DRAIN_TIMEOUT_MS: 'shutdown.drainTimeoutMs',
  SHUTDOWN_HARD_TIMEOUT_MS: 'shutdown.hardTimeoutMs',
} as const satisfies Record<string, string>;
