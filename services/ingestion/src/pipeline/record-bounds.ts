// How big a record is as the bus counts it, and what an entry becomes when the bus can never take it: a dead
// letter in kiln.dlq.v1, its payload cut to a bound, its headers naming where it was going and why it did not.
import { dlqHeaderNames, topics } from '@kiln/contracts';
import type { Entry } from '../buffer/framing';
import { INGESTION_SERVICE } from './rejects';

/** Room for the trace context the bus adds to every record's headers (traceparent, tracestate). */
const TRACE_HEADERS_BYTES = 512;
const MAX_HEADER_LENGTH = 2_000;

/** The record's size as both buses measure it (value, key, headers, per-record overhead), plus trace headers. */
export function recordBytes(record: {
  key: string;
  value: Uint8Array;
  headers: Readonly<Record<string, string>>;
}): number {
  let bytes = record.value.byteLength + Buffer.byteLength(record.key) + 64 + TRACE_HEADERS_BYTES;
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  }
  return bytes;
}

/**
 * The dead letter of a buffered entry the bus refused for good. An entry that already was a dead letter keeps
 * its headers (the error it was rejected for) and gets `reason` as its error only where it had none.
 */
export function deadLetterOf(
  entry: Entry,
  reason: string,
  maxPayloadBytes: number,
): { key: string; value: Uint8Array; headers: Record<string, string> } {
  const truncated = entry.value.byteLength > maxPayloadBytes;
  const wasDeadLetter = entry.topic === topics.dlq.name;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.headers))
    headers[name] = value.slice(0, MAX_HEADER_LENGTH);
  const refused: Record<string, string> = wasDeadLetter
    ? {}
    : {
        [dlqHeaderNames.sourceTopic]: entry.topic,
        [dlqHeaderNames.sourceKey]: entry.key.slice(0, MAX_HEADER_LENGTH),
        [dlqHeaderNames.service]: INGESTION_SERVICE,
        [dlqHeaderNames.consumerGroup]: 'ingestion/forwarder',
        [dlqHeaderNames.error]: reason.slice(0, MAX_HEADER_LENGTH),
        [dlqHeaderNames.errorKind]: 'publish-refused',
        [dlqHeaderNames.time]: new Date().toISOString(),
      };
  return {
    key: entry.key.slice(0, MAX_HEADER_LENGTH),
    value: truncated ? entry.value.subarray(0, maxPayloadBytes) : entry.value,
    headers: {
      ...headers,
      ...refused,
      ...(wasDeadLetter && headers[dlqHeaderNames.error] === undefined
        ? { [dlqHeaderNames.error]: reason.slice(0, MAX_HEADER_LENGTH) }
        : {}),
      ...(truncated ? { [dlqHeaderNames.payloadTruncatedFrom]: String(entry.value.byteLength) } : {}),
    },
  };
}
