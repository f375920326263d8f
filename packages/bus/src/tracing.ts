// W3C trace context across Kafka hops: producers inject `traceparent` into headers, consumers process a
// batch in a span linked to every record's producer span (OpenTelemetry messaging conventions for batches).
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
} from '@opentelemetry/api';
import type { BusRecord, Headers, RecordBatch } from './types';

const tracer = trace.getTracer('@kiln/bus');

/** Links past this many would make a span heavier than the batch it describes. */
const MAX_LINKS = 128;

/** Adds the active trace context to headers that do not carry one already. */
export function withTraceContext(headers: Headers | undefined): Headers {
  const out: Headers = { ...headers };
  if (out['traceparent'] === undefined) propagation.inject(context.active(), out);
  return out;
}

/** The producer's trace context of a record, to continue one sample's trace in a handler. */
export function traceContextOf(record: BusRecord): Context {
  return propagation.extract(ROOT_CONTEXT, record.headers);
}

export async function inConsumerSpan<T>(
  batch: RecordBatch,
  groupId: string,
  work: () => Promise<T>,
): Promise<T> {
  const links: Link[] = [];
  for (const record of batch.records) {
    if (links.length >= MAX_LINKS) break;
    const spanContext = trace.getSpanContext(traceContextOf(record));
    if (spanContext !== undefined) links.push({ context: spanContext });
  }
  return tracer.startActiveSpan(
    `process ${batch.topic}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': batch.topic,
        'messaging.destination.partition.id': String(batch.partition),
        'messaging.consumer.group.name': groupId,
        'messaging.batch.message_count': batch.records.length,
      },
    },
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
