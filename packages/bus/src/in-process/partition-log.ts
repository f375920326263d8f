// One partition of an in-process topic: an append-only log with monotonically increasing offsets, trimmed
// behind the consumer groups, bounded in bytes. Publishers wait for room (back-pressure) instead of letting the
// process grow without limit.
import { BusError } from '../errors';
import type { BusLogger, Headers } from '../types';

/** A record as the log holds it: copied at publish, shared read-only by every group that reads it. */
export interface StoredRecord {
  readonly offset: number;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Headers>;
  readonly timestamp: number;
  /** Estimated bytes this record occupies. */
  readonly bytes: number;
  /** Bytes appended to this partition before this record: bytes after an offset are a subtraction. */
  readonly position: number;
}

export type NewRecord = Omit<StoredRecord, 'offset' | 'position'>;

/** Committed offsets (the next offset to read) of the groups that read this partition. */
export interface RetentionFloors {
  /** The lowest committed offset among groups with members: records from here on hold publishers back. */
  active: number | undefined;
  /** The lowest committed offset among all groups that ever read the topic, members or not. */
  retained: number | undefined;
}

/**
 * How long an append may wait for room: 'wait' as long as it takes, 'never' (append over the bound), or at most
 * `maxWaitMs` and then append over the bound.
 */
export type WaitPolicy = 'wait' | 'never' | { maxWaitMs: number };

export interface PartitionLogSettings {
  maxBufferedBytes: number;
  logger: BusLogger;
  floors(): RetentionFloors;
}

interface Waiter {
  record: NewRecord;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** Head slots dropped before the backing array is compacted; keeps trimming amortised O(1). */
const COMPACT_AFTER = 4_096;
/** Dropped-record warnings of one partition come at most this often. */
const DROP_REPORT_INTERVAL_MS = 10_000;

export class PartitionLog {
  // Slots before `head` are emptied as the head passes them: a trimmed record must not stay reachable until the
  // next compaction, up to COMPACT_AFTER records later (at 64 KiB a raw batch, 256 MiB a partition).
  private entries: (StoredRecord | undefined)[] = [];
  private head = 0;
  private nextOffset = 0;
  private appendedBytes = 0;
  private readonly waiters: Waiter[] = [];
  private readonly appendListeners = new Set<() => void>();
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private lastDropReportAt = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly settings: PartitionLogSettings,
  ) {}

  /** The oldest offset still held. */
  get startOffset(): number {
    return this.entries[this.head]?.offset ?? this.nextOffset;
  }

  /** The offset the next record gets. */
  get endOffset(): number {
    return this.nextOffset;
  }

  get bufferedBytes(): number {
    return this.bytesFrom(this.startOffset);
  }

  /** Records dropped from the head for want of room that a group without members had not read. */
  get droppedRecords(): number {
    return this.droppedTotal;
  }

  get waitingPublishes(): number {
    return this.waiters.length;
  }

  /** Up to `max` consecutive records from `from` (which must not be below startOffset). */
  read(from: number, max: number): StoredRecord[] {
    const index = this.head + (from - this.startOffset);
    // Every slot from the head on holds a record.
    return this.entries.slice(index, index + max) as StoredRecord[];
  }

  /**
   * Appends a record. Resolves at once when the records not yet committed by every group with members leave
   * room for it (or there are none, so a record larger than the bound still goes through); otherwise after
   * commits make room, following the policy. Records of waiting publishes are appended in arrival order.
   */
  append(record: NewRecord, policy: WaitPolicy): Promise<void> | undefined {
    if (policy === 'never' || (this.waiters.length === 0 && this.fits(record.bytes))) {
      this.appendNow(record);
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { record, resolve, reject, timer: undefined };
      if (policy !== 'wait') {
        waiter.timer = setTimeout(() => this.overfill(waiter, policy.maxWaitMs), policy.maxWaitMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Calls `listener` once at the next append; returns a function that cancels it. */
  onNextAppend(listener: () => void): () => void {
    const once = (): void => {
      this.appendListeners.delete(once);
      listener();
    };
    this.appendListeners.add(once);
    return () => this.appendListeners.delete(once);
  }

  /** A group committed, joined or left: trims what nobody needs and lets waiting publishes in. */
  retentionChanged(): void {
    this.trim();
    for (let waiter = this.waiters[0]; waiter !== undefined; waiter = this.waiters[0]) {
      if (!this.fits(waiter.record.bytes)) break;
      this.admit(waiter);
    }
  }

  /** Appends every waiting record regardless of room: the bus is shutting down and must not hang. */
  releaseWaiting(): void {
    for (let waiter = this.waiters[0]; waiter !== undefined; waiter = this.waiters[0]) this.admit(waiter);
  }

  /** Fails waiting publishes: the bus is closed. */
  close(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new BusError(`cannot publish to ${this.topic}: the bus closed while the publish waited`));
    }
  }

  private fits(bytes: number): boolean {
    const uncommitted = this.bytesFrom(this.settings.floors().active ?? this.nextOffset);
    return uncommitted === 0 || uncommitted + bytes <= this.settings.maxBufferedBytes;
  }

  private admit(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    this.appendNow(waiter.record);
    waiter.resolve();
  }

  private overfill(waiter: Waiter, maxWaitMs: number): void {
    this.settings.logger.warn(
      {
        topic: this.topic,
        partition: this.partition,
        maxWaitMs,
        bufferedBytes: this.bufferedBytes,
        maxBufferedBytes: this.settings.maxBufferedBytes,
      },
      'a publish from a handler waited too long for consumers to commit: appended over the buffer bound ' +
        '(do two groups publish into each other’s topics?)',
    );
    this.admit(waiter);
  }

  private appendNow(record: NewRecord): void {
    this.entries.push({ ...record, offset: this.nextOffset, position: this.appendedBytes });
    this.nextOffset += 1;
    this.appendedBytes += record.bytes;
    this.trim();
    for (const listener of [...this.appendListeners]) listener();
  }

  /** Bytes of the records from `offset` to the end. */
  private bytesFrom(offset: number): number {
    if (offset >= this.nextOffset) return 0;
    const entry = this.entries[this.head + Math.max(0, offset - this.startOffset)];
    return entry === undefined ? 0 : this.appendedBytes - entry.position;
  }

  /**
   * Drops head records every group has committed; and, while the log is over its bound, head records that
   * every group with members has committed even if a group without members has not read them (like Kafka's
   * retention deleting what a stopped consumer never read).
   */
  private trim(): void {
    const { active, retained } = this.settings.floors();
    const activeFloor = active ?? this.nextOffset;
    const freeFloor = Math.min(activeFloor, retained ?? 0);
    let dropped = 0;
    for (let entry = this.entries[this.head]; entry !== undefined; entry = this.entries[this.head]) {
      if (entry.offset >= freeFloor) {
        if (entry.offset >= activeFloor || this.bufferedBytes <= this.settings.maxBufferedBytes) break;
        dropped += 1;
      }
      this.entries[this.head] = undefined;
      this.head += 1;
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (dropped > 0) this.reportDropped(dropped);
  }

  private reportDropped(count: number): void {
    this.droppedTotal += count;
    this.droppedUnreported += count;
    const now = Date.now();
    if (now - this.lastDropReportAt < DROP_REPORT_INTERVAL_MS) return;
    this.settings.logger.warn(
      {
        topic: this.topic,
        partition: this.partition,
        dropped: this.droppedUnreported,
        droppedTotal: this.droppedTotal,
        startOffset: this.startOffset,
        maxBufferedBytes: this.settings.maxBufferedBytes,
      },
      'partition buffer full: dropped the oldest records that no consumer group with members still needed; ' +
        'a group that rejoins later starts after them',
    );
    this.droppedUnreported = 0;
    this.lastDropReportAt = now;
  }
}

/** Rough size of a record in memory: value, key, headers and a fixed per-record overhead. */
export function storedRecordBytes(key: string, value: Uint8Array, headers: Readonly<Headers>): number {
  let bytes = value.byteLength + Buffer.byteLength(key) + 64;
  for (const [name, headerValue] of Object.entries(headers)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(headerValue) + 8;
  }
  return bytes;
}
