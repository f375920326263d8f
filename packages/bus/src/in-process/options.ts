import type { BusOptions } from '../types';

export interface InProcessBusOptions extends BusOptions {
  /**
   * Bytes of records one partition holds that a consumer group with members has not committed yet; past it
   * publish waits for commits (back-pressure). Default 8 MiB.
   */
  maxBufferedBytesPerPartition?: number;
  /**
   * The longest a publish from inside a handler waits for room on a topic its own group does not read before
   * it appends over the bound (a cycle of groups publishing into each other's topics would otherwise wait
   * forever). Default 30 s.
   */
  handlerPublishMaxWaitMs?: number;
  /** The largest record accepted. Default 900 KiB, the Kafka bus's request limit, so both refuse the same records. */
  maxRecordBytes?: number;
}

export const inProcessDefaults = {
  maxBufferedBytesPerPartition: 8 * 1024 * 1024,
  handlerPublishMaxWaitMs: 30_000,
  maxRecordBytes: 900 * 1024,
  drainTimeoutMs: 8_000,
} as const;
