// The decode step every subscription with a decoder runs before its handler, the same on both implementations:
// each record decoded on its own; one the decoder refuses for good (undecodable, a rule broken) is set aside for
// the dead-letter topic and the others go on; any other error is the world's or a bug's and fails the attempt,
// for the batch runner to retry and, if it persists, isolate. Written once here so that no consumer keeps its own
// decode-catch-dead-letter loop (docs/events.md, "Subscribing").
import { classifyFailure } from './errors';
import type {
  BatchContext,
  BusRecord,
  DecodedRecord,
  RecordBatch,
  RecordDecoder,
  SubscribeOptions,
} from './types';

/** Sets a record aside for the dead-letter topic as refused by the decoder. */
export type RefuseRecord = (record: BusRecord, error: unknown) => void;

/** What the batch runner calls for one attempt at a batch, and whom it tells of the records refused at decode. */
export interface BatchConsumer {
  consume(batch: RecordBatch, context: BatchContext, refuse: RefuseRecord): Promise<void>;
  /** Called once each refused record's dead-letter copy is durable. */
  readonly onRecordRefused?: RefuseRecord;
}

export function batchConsumerOf<T>(options: SubscribeOptions<T>): BatchConsumer {
  if (options.decode === undefined) {
    const { handler } = options;
    return { consume: (batch, context) => handler(batch, context) };
  }
  const { decode, handler, onRecordRefused } = options;
  return {
    consume: (batch, context, refuse) =>
      handler({ ...batch, events: decodeRecords(batch.records, decode, refuse) }, context),
    ...(onRecordRefused === undefined ? {} : { onRecordRefused }),
  };
}

/** The events of `records` in order; a decoder's undefined skips a record, a permanent failure refuses it. */
export function decodeRecords<T>(
  records: readonly BusRecord[],
  decode: RecordDecoder<T>,
  refuse: RefuseRecord,
): DecodedRecord<T>[] {
  const events: DecodedRecord<T>[] = [];
  for (const record of records) {
    let event: T | undefined;
    try {
      event = decode(record);
    } catch (error) {
      if (classifyFailure(error) !== 'permanent') throw error;
      refuse(record, error);
      continue;
    }
    if (event !== undefined) events.push({ record, event });
  }
  return events;
}
