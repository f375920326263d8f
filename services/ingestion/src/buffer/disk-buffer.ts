// Store-and-forward: every batch of samples goes through an append-only log on disk before it is published,
// so a bus that is down or slow, or a restart of ingestion, loses nothing. Appends never wait for the disk or the
// bus (a connector's event loop must not stall); the log is bounded, and when it is full the configured policy
// drops the oldest or the newest entries, counted and reported, never silently.
//
// Layout of the directory (0700): `<first id, 20 digits>.seg` segment files of framed entries (see framing.ts), and
// `cursor.json` with the id of the last entry the bus acknowledged, both 0600. Entries after the cursor are sent
// again after a restart (at-least-once; normalization drops the duplicates). A corrupt frame costs that frame only,
// at recovery (recovery.ts) and while reading: the reader resumes at the next frame that checks out, counted.
import { chmod, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kiln/service-kit';
import { DIRECTORY_MODE, FILE_MODE, syncDirectory, writeCursorFile } from './cursor-file';
import { decodeFrame, encodeFrame, findNextFrame, FRAME_HEADER_BYTES, type Entry } from './framing';
import { recover, SEGMENT_SUFFIX } from './recovery';

export type FsyncPolicy = 'always' | 'interval' | 'never';
export type OverflowPolicy = 'drop-oldest' | 'drop-newest';

export interface DiskBufferOptions {
  directory: string;
  /** Bound on the bytes on disk and not yet written; at least four segments. */
  maxBytes: number;
  segmentBytes: number;
  /** `always`: fsync after every write (group commit); `interval`: every fsyncIntervalMs; `never`: the OS decides. */
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  overflow: OverflowPolicy;
  logger: Logger;
  /** Called for every entry the overflow policy dropped (for metrics). */
  onDrop?(entries: number, samples: number, policy: OverflowPolicy): void;
  /** Called when the reader passed over corrupt frames (recovery's count is in stats()). */
  onCorrupt?(frames: number, bytes: number): void;
}

export interface DiskBufferStats {
  /** Bytes on disk plus bytes waiting to be written. */
  bytes: number;
  /** Entries not yet acknowledged by the bus. */
  entries: number;
  /** Samples in those entries. */
  samples: number;
  segments: number;
  droppedEntries: number;
  droppedSamples: number;
  /** Corrupt frames passed over (at recovery and while reading) and the bytes skipped with them. */
  corruptFrames: number;
  corruptBytes: number;
}

interface Segment {
  readonly baseId: number;
  readonly path: string;
  /** Bytes written to the file (not counting what waits in memory). */
  bytes: number;
  /** Id of the last written entry; baseId - 1 while empty. */
  lastId: number;
  samples: number;
}

interface PendingFrame {
  frame: Buffer;
  id: number;
  samples: number;
  appendedAtMs: number;
}

const READ_CHUNK_BYTES = 1024 * 1024;
const WRITE_RETRY_MS = 1_000;

export class DiskBuffer {
  private readonly segments: Segment[] = [];
  private pending: PendingFrame[] = [];
  private pendingBytes = 0;
  private nextId: number;
  private writtenId: number;
  private ackedId: number;
  /** Next entry to hand to the reader, and where it is. */
  private readId: number;
  private readCursor: { baseId: number; offset: number } | undefined;
  private readHandle: { baseId: number; handle: FileHandle } | undefined;
  private writeHandle: FileHandle | undefined;
  private writing: Promise<void> | undefined;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private dataWaiters: (() => void)[] = [];
  /** Who waits for an entry to be written (see written()). */
  private writtenWaiters: { id: number; resolve: () => void }[] = [];
  private unackedSamples: number;
  private droppedEntries = 0;
  private droppedSamples = 0;
  private corruptFrames: number;
  private corruptBytes: number;
  /** Entries of earlier versions carry no append time: they count as appended when this buffer opened. */
  private readonly openedAtMs = Date.now();
  private closed = false;
  /** Set when the next write starts a new segment (the last one is full, or it belongs to a previous run). */
  private rollRequested: boolean;

  private constructor(
    private readonly options: DiskBufferOptions,
    recovered: {
      segments: Segment[];
      ackedId: number;
      unackedSamples: number;
      corruptFrames: number;
      corruptBytes: number;
    },
  ) {
    this.corruptFrames = recovered.corruptFrames;
    this.corruptBytes = recovered.corruptBytes;
    this.segments.push(...recovered.segments);
    const lastWritten = recovered.segments[recovered.segments.length - 1]?.lastId ?? recovered.ackedId;
    this.ackedId = recovered.ackedId;
    this.writtenId = Math.max(lastWritten, recovered.ackedId);
    this.nextId = this.writtenId + 1;
    this.readId = Math.max(this.ackedId + 1, recovered.segments[0]?.baseId ?? this.nextId);
    this.unackedSamples = recovered.unackedSamples;
    this.rollRequested = recovered.segments.length > 0;
    if (options.fsync === 'interval') {
      this.fsyncTimer = setInterval(() => void this.syncNow(), options.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
  }

  /** Opens the buffer in `directory`, recovering what a previous run left: torn writes are cut off. */
  static async open(options: DiskBufferOptions): Promise<DiskBuffer> {
    if (options.maxBytes < 4 * options.segmentBytes) {
      throw new Error(
        `buffer maxBytes (${options.maxBytes}) must be at least four segments (${4 * options.segmentBytes})`,
      );
    }
    await mkdir(options.directory, { recursive: true, mode: DIRECTORY_MODE });
    // An existing directory keeps its mode through mkdir: samples are the plant's data, not the world's.
    await chmod(options.directory, DIRECTORY_MODE);
    const recovered = await recover(options.directory, options.logger);
    return new DiskBuffer(options, recovered);
  }

  /**
   * Adds an entry; returns at once. The entry is written by a background loop and readable once written.
   * Returns false when the overflow policy `drop-newest` refused it.
   */
  append(record: Omit<Entry, 'id'>): boolean {
    if (this.closed) throw new Error('the store-and-forward buffer is closed');
    const id = this.nextId;
    const samples = record.samples;
    const appendedAtMs = Date.now();
    const frame = encodeFrame({ ...record, id, appendedAtMs });
    if (!this.makeRoom(frame.length, samples)) return false;
    this.nextId += 1;
    this.pending.push({ frame, id, samples, appendedAtMs });
    this.pendingBytes += frame.length;
    this.unackedSamples += samples;
    this.scheduleWrite();
    return true;
  }

  /** The id of the last entry appended (written or not); 0 before the first. */
  lastAppendedId(): number {
    return this.nextId - 1;
  }

  /**
   * Resolves once entry `id` and every entry before it are written to their segment file, and synced when the
   * fsync policy is `always`: a kill -9 of the process then loses none of them (the page cache keeps them). What
   * a connector acknowledges to its source waits for this. Resolves at once for an id already written.
   */
  written(id: number): Promise<void> {
    if (id <= this.writtenId) return Promise.resolve();
    return new Promise((resolve) => this.writtenWaiters.push({ id, resolve }));
  }

  /**
   * The next entries after those already read, in order: at most maxEntries, and at most about maxBytes
   * (one entry at least). Resolves with [] when nothing is written yet; see waitForData.
   */
  async read(maxEntries: number, maxBytes: number): Promise<Entry[]> {
    const entries: Entry[] = [];
    let bytes = 0;
    let needBytes = 0;
    while (entries.length < maxEntries && bytes < maxBytes && this.readId <= this.writtenId) {
      const segment = this.segmentForRead();
      if (segment === undefined) break;
      const cursor = this.readCursor;
      if (cursor === undefined) break;
      if (cursor.offset >= segment.bytes) {
        // The end of this segment's written bytes: move on if a later segment exists.
        const next = this.segments[this.segments.indexOf(segment) + 1];
        if (next === undefined) break;
        this.readCursor = { baseId: next.baseId, offset: 0 };
        continue;
      }
      const handle = await this.readHandleFor(segment);
      const length = Math.min(
        Math.max(READ_CHUNK_BYTES, maxBytes - bytes, needBytes),
        segment.bytes - cursor.offset,
      );
      needBytes = 0;
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, cursor.offset);
      const data = chunk.subarray(0, bytesRead);
      let at = 0;
      let corruptAt: number | undefined;
      while (at < bytesRead && entries.length < maxEntries && bytes < maxBytes) {
        const result = decodeFrame(data, at);
        if (result.kind === 'incomplete') {
          const frameBytes =
            bytesRead - at >= 4 ? FRAME_HEADER_BYTES + data.readUInt32BE(at) : FRAME_HEADER_BYTES;
          // A frame longer than what is written of the segment: its length is corrupt.
          if (cursor.offset + at + frameBytes > segment.bytes) corruptAt = at;
          else if (at === 0) needBytes = frameBytes;
          break;
        }
        if (result.kind === 'corrupt') {
          corruptAt = at;
          break;
        }
        // An id above readId (a gap) follows frames recovery found corrupt: they are counted there.
        at += result.bytes;
        if (result.entry.id < this.readId) continue;
        entries.push(this.withAppendTime(result.entry));
        bytes += result.entry.value.byteLength;
        this.readId = result.entry.id + 1;
      }
      cursor.offset += at;
      if (corruptAt !== undefined) {
        await this.passCorruptFrame(segment, handle, cursor);
        continue;
      }
      if (at === 0 && needBytes === 0) break;
    }
    return entries;
  }

  /**
   * The reader stands on a corrupt frame: skips to the next frame of the segment whose length and checksum
   * check out and whose id follows, or to the segment's end when none does. Counted; logged.
   */
  private async passCorruptFrame(
    segment: Segment,
    handle: FileHandle,
    cursor: { baseId: number; offset: number },
  ): Promise<void> {
    const rest = Buffer.allocUnsafe(segment.bytes - cursor.offset);
    const { bytesRead } = await handle.read(rest, 0, rest.length, cursor.offset);
    const next = findNextFrame(rest.subarray(0, bytesRead), 1, this.readId - 1);
    const skipped = next?.offset ?? bytesRead;
    const lostFrames =
      next === undefined ? Math.max(1, segment.lastId - this.readId + 1) : next.entry.id - this.readId;
    this.corruptFrames += Math.max(1, lostFrames);
    this.corruptBytes += skipped;
    this.options.logger.error(
      { segment: segment.path, offset: cursor.offset, skippedBytes: skipped, lostFrames },
      'store-and-forward segment holds a corrupt frame: skipped to the next frame that checks out',
    );
    this.options.onCorrupt?.(Math.max(1, lostFrames), skipped);
    cursor.offset += skipped;
    this.readId = next === undefined ? Math.max(this.readId, segment.lastId + 1) : next.entry.id;
  }

  private withAppendTime(entry: Entry): Entry {
    return entry.appendedAtMs === undefined ? { ...entry, appendedAtMs: this.openedAtMs } : entry;
  }

  /** Resolves when an entry after those read is written (or the buffer closes). */
  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.readId <= this.writtenId || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.dataWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Marks entries as delivered (the bus has them); removes segments that are wholly delivered. */
  async ack(entries: readonly Entry[]): Promise<void> {
    const last = entries[entries.length - 1];
    if (this.closed || last === undefined || last.id <= this.ackedId) return;
    for (const entry of entries) if (entry.id > this.ackedId) this.unackedSamples -= entry.samples;
    this.ackedId = last.id;
    await this.writeCursor();
    await this.removeDeliveredSegments();
  }

  /** Resolves when everything appended so far is written (and synced where the policy says so). */
  async flush(): Promise<void> {
    while (this.writing || this.pending.length > 0) {
      this.scheduleWrite();
      await this.writing;
    }
  }

  stats(): DiskBufferStats {
    return {
      bytes: this.segments.reduce((sum, segment) => sum + segment.bytes, 0) + this.pendingBytes,
      entries: this.nextId - 1 - Math.max(this.ackedId, this.firstHeldId() - 1),
      samples: this.unackedSamples,
      segments: this.segments.length,
      droppedEntries: this.droppedEntries,
      droppedSamples: this.droppedSamples,
      corruptFrames: this.corruptFrames,
      corruptBytes: this.corruptBytes,
    };
  }

  /** When the oldest entry not yet written to disk was appended (epoch ms); undefined when all are written. */
  oldestPendingAppendedAtMs(): number | undefined {
    return this.pending[0]?.appendedAtMs;
  }

  /**
   * Reads again from entry `id` on (never from before the acknowledged cursor): for a reader whose entries were
   * read but could not be sent (a read or disk error between), so that none of them is skipped.
   */
  rewindTo(id: number): void {
    const from = Math.max(id, this.ackedId + 1);
    if (from >= this.readId) return;
    this.readId = from;
    this.readCursor = undefined;
  }

  private firstHeldId(): number {
    return this.segments[0]?.baseId ?? this.pending[0]?.id ?? this.nextId;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    await this.syncNow();
    await this.writeHandle?.close();
    await this.readHandle?.handle.close();
    this.writeHandle = undefined;
    this.readHandle = undefined;
    this.wakeReaders();
  }

  // ---- writing ------------------------------------------------------------------------------------------

  private scheduleWrite(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = this.writeLoop()
      .catch((error: unknown) => {
        // The loop retries its own write failures; anything else is logged here, never left unhandled.
        this.options.logger.error({ err: error }, 'store-and-forward write loop failed; retrying');
      })
      .finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0 && !this.closed) this.scheduleWrite();
      });
  }

  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.takeForCurrentSegment();
      const first = batch[0];
      if (first === undefined) return;
      const buffers = batch.map((pending) => pending.frame);
      const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      let segment: Segment;
      try {
        segment = await this.currentSegment(first.id);
        const handle = await this.writableHandle(segment);
        await handle.writev(buffers, segment.bytes);
        if (this.options.fsync === 'always') await handle.sync();
      } catch (error) {
        // Disk full or gone: keep the frames, say so, try again shortly.
        this.pending.unshift(...batch);
        this.pendingBytes += bytes;
        this.options.logger.error(
          { err: error, directory: this.options.directory },
          'store-and-forward write failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS));
        continue;
      }
      segment.bytes += bytes;
      const last = batch[batch.length - 1];
      if (last !== undefined) {
        segment.lastId = last.id;
        this.writtenId = last.id;
      }
      segment.samples += batch.reduce((sum, pending) => sum + pending.samples, 0);
      this.wakeReaders();
      this.wakeWrittenWaiters();
    }
  }

  /** The frames that fit into the current segment, or into a new one (a segment holds at least one entry). */
  private takeForCurrentSegment(): PendingFrame[] {
    const current = this.segments[this.segments.length - 1];
    const first = this.pending[0];
    let room = this.options.segmentBytes;
    if (current === undefined || (first !== undefined && current.bytes + first.frame.length > room)) {
      this.rollRequested = true;
    } else if (!this.rollRequested) {
      room -= current.bytes;
    }
    let count = 0;
    for (const pending of this.pending) {
      if (count > 0 && pending.frame.length > room) break;
      room -= pending.frame.length;
      count += 1;
    }
    const batch = this.pending.splice(0, count);
    this.pendingBytes -= batch.reduce((sum, pending) => sum + pending.frame.length, 0);
    return batch;
  }

  /** The segment to write `baseId` and what follows into: the last one, or a new one when a roll is due. */
  private async currentSegment(baseId: number): Promise<Segment> {
    const current = this.segments[this.segments.length - 1];
    if (current !== undefined && !this.rollRequested) return current;
    this.rollRequested = false;
    if (this.writeHandle) {
      if (this.options.fsync !== 'never') await this.writeHandle.sync();
      await this.writeHandle.close();
      this.writeHandle = undefined;
    }
    const segment: Segment = {
      baseId,
      path: this.segmentPath(baseId),
      bytes: 0,
      lastId: baseId - 1,
      samples: 0,
    };
    this.segments.push(segment);
    return segment;
  }

  private async writableHandle(segment: Segment): Promise<FileHandle> {
    if (this.writeHandle === undefined) {
      this.writeHandle = await open(segment.path, 'a', FILE_MODE);
      // The new segment's directory entry must survive a power cut as much as its frames.
      if (segment.bytes === 0 && this.options.fsync !== 'never') await syncDirectory(this.options.directory);
    }
    return this.writeHandle;
  }

  private async syncNow(): Promise<void> {
    try {
      await this.writeHandle?.sync();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'store-and-forward fsync failed');
    }
  }

  // ---- bounds -------------------------------------------------------------------------------------------

  /** Applies the overflow policy so that `bytes` more fit; false when the new entry must be dropped. */
  private makeRoom(bytes: number, samples: number): boolean {
    const over = (): boolean => this.stats().bytes + bytes > this.options.maxBytes;
    if (!over()) return true;
    if (this.options.overflow === 'drop-newest') {
      this.recordDrop(1, samples);
      return false;
    }
    // drop-oldest: whole segments, oldest first, never the one being written.
    while (over() && this.segments.length > 1) {
      const oldest = this.segments.shift();
      if (oldest === undefined) break;
      const firstUnread = Math.max(oldest.baseId, this.readId);
      const droppedEntries = Math.max(0, oldest.lastId - firstUnread + 1);
      // Samples per entry are not kept per id; the segment's share of unread entries estimates them.
      const entriesInSegment = oldest.lastId - oldest.baseId + 1;
      const droppedSamples =
        entriesInSegment > 0 ? Math.round((oldest.samples * droppedEntries) / entriesInSegment) : 0;
      if (this.readId <= oldest.lastId) {
        this.readId = oldest.lastId + 1;
        const next = this.segments[0];
        this.readCursor = next === undefined ? undefined : { baseId: next.baseId, offset: 0 };
      }
      if (this.readHandle?.baseId === oldest.baseId) {
        this.readHandle.handle.close().catch((error: unknown) => this.logFileError(error, oldest.path));
        this.readHandle = undefined;
      }
      rm(oldest.path, { force: true }).catch((error: unknown) => this.logFileError(error, oldest.path));
      this.unackedSamples -= droppedSamples;
      this.recordDrop(droppedEntries, droppedSamples);
    }
    if (over()) {
      this.recordDrop(1, samples);
      return false;
    }
    return true;
  }

  private recordDrop(entries: number, samples: number): void {
    if (entries === 0) return;
    this.droppedEntries += entries;
    this.droppedSamples += samples;
    this.options.onDrop?.(entries, samples, this.options.overflow);
  }

  // ---- reading and delivery -----------------------------------------------------------------------------

  private segmentForRead(): Segment | undefined {
    if (this.readCursor === undefined || !this.segments.some((s) => s.baseId === this.readCursor?.baseId)) {
      const segment = this.segments.find((s) => s.lastId >= this.readId) ?? this.segments[0];
      if (segment === undefined) return undefined;
      this.readCursor = { baseId: segment.baseId, offset: 0 };
      return segment;
    }
    const baseId = this.readCursor.baseId;
    return this.segments.find((s) => s.baseId === baseId);
  }

  private async readHandleFor(segment: Segment): Promise<FileHandle> {
    if (this.readHandle?.baseId === segment.baseId) return this.readHandle.handle;
    await this.readHandle?.handle.close();
    const handle = await open(segment.path, 'r');
    this.readHandle = { baseId: segment.baseId, handle };
    return handle;
  }

  private wakeWrittenWaiters(): void {
    if (this.writtenWaiters.length === 0) return;
    const waiting: { id: number; resolve: () => void }[] = [];
    for (const waiter of this.writtenWaiters) {
      if (waiter.id <= this.writtenId) waiter.resolve();
      else waiting.push(waiter);
    }
    this.writtenWaiters = waiting;
  }

  private wakeReaders(): void {
    const waiters = this.dataWaiters;
    this.dataWaiters = [];
    for (const wake of waiters) wake();
  }

  private async writeCursor(): Promise<void> {
    await writeCursorFile(this.options.directory, this.ackedId);
  }

  private logFileError(error: unknown, path: string): void {
    this.options.logger.warn({ err: error, path }, 'store-and-forward could not close or remove a segment');
  }

  private async removeDeliveredSegments(): Promise<void> {
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      if (oldest === undefined || oldest.lastId > this.ackedId) return;
      this.segments.shift();
      if (this.readHandle?.baseId === oldest.baseId) {
        await this.readHandle.handle.close().catch((error: unknown) => this.logFileError(error, oldest.path));
        this.readHandle = undefined;
      }
      await rm(oldest.path, { force: true }).catch((error: unknown) => this.logFileError(error, oldest.path));
    }
  }

  private segmentPath(baseId: number): string {
    return join(this.options.directory, `${String(baseId).padStart(20, '0')}${SEGMENT_SUFFIX}`);
  }
}
