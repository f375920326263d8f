// Record headers every Kiln producer sets (docs/architecture.md section 2), and those of dead-lettered records.

export const headerNames = {
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Names the protobuf message of the value. */
  contentType: 'content-type',
  schemaVersion: 'kiln-schema-version',
} as const;

export const dlqHeaderNames = {
  sourceTopic: 'kiln-dlq-source-topic',
  sourcePartition: 'kiln-dlq-source-partition',
  sourceOffset: 'kiln-dlq-source-offset',
  sourceKey: 'kiln-dlq-source-key',
  service: 'kiln-dlq-service',
  consumerGroup: 'kiln-dlq-consumer-group',
  error: 'kiln-dlq-error',
  errorKind: 'kiln-dlq-error-kind',
  time: 'kiln-dlq-time',
  payloadTruncatedFrom: 'kiln-dlq-payload-truncated-from',
} as const;

/** The schema version of the v1 event contracts; a breaking change makes v2 topics instead. */
export const SCHEMA_VERSION = '1';

/** The content-type header of a protobuf message, e.g. `application/x-protobuf; messageType=kiln.events.v1.Shift`. */
export function protobufContentType(messageType: string): string {
  return `application/x-protobuf; messageType=${messageType}`;
}

/** The message type named by a content-type header, or undefined where it names none. */
export function messageTypeOf(contentType: string | undefined): string | undefined {
  const match = /messageType=([\w.]+)/.exec(contentType ?? '');
  return match?.[1];
}
