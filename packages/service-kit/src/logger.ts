// JSON logs, one event per line, stamped with the active trace so a log line leads to its trace.
import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './service-config';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Written into every line as `service`. */
  readonly service: string;
  readonly level: LogLevel;
  /** Where lines go; defaults to stdout. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names survive being read by people and by log pipelines better than pino's numbers.
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    options.destination,
  );
}

/** `trace_id`/`span_id` of the span active where the log call happens (W3C hex ids). */
function traceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
