// The first step of every consumer's batch: decode each record and check it against the rules the core relies
// on. A record that fails for good (undecodable, a rule broken) is dead-lettered with its reason and the others go
// on; any other error is the world's or a bug's and fails the batch, for the bus to retry.
import { classifyFailure } from './errors';
import type { BatchContext, BusRecord } from './types';

/**
 * The decoded values of `records` in order (a decoder's undefined skips a record it does not read);
 * `onDeadLettered` is told of each record sent to the dead-letter topic (for a service's own counter).
 */
export function decodeEach<T>(
  records: readonly BusRecord[],
  context: Pick<BatchContext, 'deadLetter'>,
  decode: (record: BusRecord) => T | undefined,
  onDeadLettered?: (record: BusRecord, error: unknown) => void,
): T[] {
  const decoded: T[] = [];
  for (const record of records) {
    try {
      const value = decode(record);
      if (value !== undefined) decoded.push(value);
    } catch (error) {
      if (classifyFailure(error) !== 'permanent') throw error;
      context.deadLetter(record, error);
      onDeadLettered?.(record, error);
    }
  }
  return decoded;
}
