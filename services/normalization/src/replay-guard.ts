// Whether an offset saved beside a partition's normalizer state still names the records it handled, so that
// redeliveries up to it may be skipped. A log can be replaced under the same topic name (a new cluster, a broker
// whose data was replaced, a topic deleted and created again, a restore from backup): its offsets start again, and
// an old offset taken as "handled up to here" would skip new records unseen. Pure: the bus's answers are arguments.
import { createHash } from 'node:crypto';
import type { BusRecord } from '@kiln/bus';

/** What is saved with the state: the last handled record's offset, its log and its digest. */
export interface SavedPosition {
  readonly lastOffset: bigint;
  /** `LogDescription.logId` of the log the record was read from; undefined in rows written before it was kept. */
  readonly logId: string | undefined;
  /** {@link recordDigest} of that record; undefined in rows written before it was kept. */
  readonly lastRecordDigest: string | undefined;
}

/** The log the bus reads now (`EventBus.describeLog`, offsets as numbers). */
export interface CurrentLog {
  readonly logId: string;
  readonly startOffset: bigint;
  readonly endOffset: bigint;
}

/** The id every Kafka bus gave before cluster ids were kept: a Kafka log of some cluster. */
export const LEGACY_KAFKA_LOG_ID = 'kafka';

export type DiscardReason =
  'unknown-log' | 'another-log' | 'beyond-end' | 'record-differs' | 'record-missing' | 'unprovable';

export type ResumeDecision =
  /** Records up to `offset` are skipped as handled. */
  | { readonly kind: 'keep'; readonly offset: bigint }
  /** Kept only if the record at `offset`, when the first batch brings it, has `digest` (see {@link continuity}). */
  | { readonly kind: 'verify'; readonly offset: bigint; readonly digest: string }
  /** No record is skipped: the saved offset is not known to name a record of this log. */
  | { readonly kind: 'discard'; readonly reason: DiscardReason };

/**
 * What becomes of a saved offset when a partition is assigned, from what the log says of itself:
 * - another log id (another cluster, another in-process bus), or none at all: discarded;
 * - at or beyond the log's end (the log holds fewer records than were handled): discarded, the log was replaced;
 * - below the log's start (retention removed the record): kept, harmlessly: no record at or below it is left;
 * - inside the log: kept if the record found there is the one handled (`verify`); a row of the old format, with
 *   the old constant Kafka id and no digest, is kept on the offset checks alone, as before.
 */
export function resumeDecision(saved: SavedPosition, log: CurrentLog): ResumeDecision {
  if (saved.logId === undefined) return { kind: 'discard', reason: 'unknown-log' };
  const legacy = saved.logId === LEGACY_KAFKA_LOG_ID && log.logId.startsWith(`${LEGACY_KAFKA_LOG_ID}:`);
  if (!legacy && saved.logId !== log.logId) return { kind: 'discard', reason: 'another-log' };
  if (saved.lastOffset >= log.endOffset) return { kind: 'discard', reason: 'beyond-end' };
  if (saved.lastOffset < log.startOffset || saved.lastRecordDigest === undefined) {
    return { kind: 'keep', offset: saved.lastOffset };
  }
  return { kind: 'verify', offset: saved.lastOffset, digest: saved.lastRecordDigest };
}

export type ContinuityVerdict =
  | { readonly kind: 'keep' }
  | { readonly kind: 'discard'; readonly reason: 'record-differs' | 'record-missing' | 'unprovable' };

/**
 * Settles a `verify` decision on the first batch read after the assignment (offset order, not empty):
 * - the batch starts after the offset: kept (nothing at or below it will come);
 * - the batch holds the offset: kept if that record has the saved digest, else discarded (another log);
 * - the batch holds no record at the offset although it spans it: discarded (another log);
 * - the batch ends before the offset: discarded, since it cannot be proven. The state is saved just before each
 *   commit, so a crash or a refused commit leaves the group's committed offset at most one batch behind it and the
 *   first batch reaches it; one further behind means the group's offsets were lost or reset, as they are with the
 *   log they belonged to. The records are handled again, which is safe (rows are idempotent, older readings move
 *   no counter or state), where skipping them could lose them.
 */
export function continuity(
  expected: { readonly offset: bigint; readonly digest: string },
  batch: readonly BusRecord[],
): ContinuityVerdict {
  const first = batch[0];
  const last = batch[batch.length - 1];
  if (first === undefined || last === undefined) return { kind: 'discard', reason: 'unprovable' };
  if (BigInt(first.offset) > expected.offset) return { kind: 'keep' };
  if (BigInt(last.offset) < expected.offset) return { kind: 'discard', reason: 'unprovable' };
  const found = batch.find((record) => BigInt(record.offset) === expected.offset);
  if (found === undefined) return { kind: 'discard', reason: 'record-missing' };
  return recordDigest(found) === expected.digest
    ? { kind: 'keep' }
    : { kind: 'discard', reason: 'record-differs' };
}

/**
 * Names a record by its content: SHA-256 of its key and value (not its timestamp or headers, which a faithful
 * copy of the log need not keep), 128 bits in hex. Raw batches carry source and receive times, so two different
 * records do not share it.
 */
export function recordDigest(record: Pick<BusRecord, 'key' | 'value'>): string {
  const key = Buffer.from(record.key, 'utf8');
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(key.length);
  return createHash('sha256').update(keyLength).update(key).update(record.value).digest('hex').slice(0, 32);
}
