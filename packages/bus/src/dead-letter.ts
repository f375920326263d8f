// Builds the dead-letter copy of a record: the record unchanged, its headers kept, and headers naming where
// it came from and why it failed (docs/architecture.md section 2).
import { dlqHeaderNames } from '@kiln/contracts';
import { describeError } from './errors';
import type { BusRecord, OutgoingRecord } from './types';

/** Longest error text kept in a header; a header is no place for a whole stack. */
const MAX_ERROR_LENGTH = 2_000;

export interface DeadLetter {
  record: BusRecord;
  error: unknown;
  /** The subscription's decoder refused the record (rather than its handler or the batch runner). */
  refusedAtDecode?: boolean;
}

export interface DeadLetterSource {
  service: string;
  groupId: string;
  now: Date;
}

export function deadLetterRecord({ record, error }: DeadLetter, source: DeadLetterSource): OutgoingRecord {
  const kind = error instanceof Error ? error.name : typeof error;
  return {
    key: record.key,
    value: record.value,
    timestamp: record.timestamp,
    headers: {
      ...record.headers,
      [dlqHeaderNames.sourceTopic]: record.topic,
      [dlqHeaderNames.sourcePartition]: String(record.partition),
      [dlqHeaderNames.sourceOffset]: record.offset,
      [dlqHeaderNames.sourceKey]: record.key,
      [dlqHeaderNames.service]: source.service,
      [dlqHeaderNames.consumerGroup]: source.groupId,
      [dlqHeaderNames.error]: describeError(error).slice(0, MAX_ERROR_LENGTH),
      [dlqHeaderNames.errorKind]: kind,
      [dlqHeaderNames.time]: source.now.toISOString(),
    },
  };
}
