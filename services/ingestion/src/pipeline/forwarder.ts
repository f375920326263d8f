// Sends what the store-and-forward buffer holds (sample batches for kiln.raw.v1, rejected input for kiln.dlq.v1)
// in order, and releases it from the buffer only once it is durable: at once on Kafka (publish resolves on acks
// from all in-sync replicas); on the in-process bus once the consuming group committed it (`delivered`).
//
// A failure of the world (broker unavailable, connection reset: classifyFailure says transient) is retried with
// capped backoff without end while the buffer keeps absorbing. An entry the bus refuses for good (permanent, or a
// failure nobody knows that persists) is dead-lettered, cut to a bound, and passed: one entry never stalls the
// rest. No error leaves the loop: each ends in a retry, a dead letter or a logged, counted failure.
//
// The bus is marked down (onBusState, one warning) at the first attempt that fails for another reason than the
// record itself, or once a publish has not completed within `busDownAfterMs`: the Kafka bus keeps a publish in its
// own retries for up to two minutes, and the in-process bus holds one back while its consumer lags, and an outage
// must show while it lasts. It is up again (one info line) when a publish completes.
import { trace } from '@opentelemetry/api';
import { classifyFailure, describeError, type EventBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import type { DiskBuffer } from '../buffer/disk-buffer';
import type { Entry } from '../buffer/framing';
import { coalesceRawEntries, type CoalesceBounds } from './coalesce';
import { deadLetterOf, recordBytes } from './record-bounds';

type OutRecord = { key: string; value: Uint8Array; headers: Record<string, string> };

export interface ForwarderOptions {
  buffer: DiskBuffer;
  bus: EventBus;
  logger: Logger;
  /** Entries (batches of samples) per publish call. */
  maxEntriesPerPublish: number;
  maxBytesPerPublish: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  /** Larger records are dead-lettered before they are offered to the bus (which would refuse them). */
  maxRecordBytes: number;
  /** Bounds of a record joined from several kiln.raw.v1 entries of one key (coalesce.ts); absent: none joined. */
  coalesce?: CoalesceBounds;
  /** A dead-lettered entry's payload is cut to this. */
  maxDeadLetterPayloadBytes: number;
  /** Attempts of one entry failing for an unknown reason before it is dead-lettered. */
  maxAttemptsOnUnknownFailure: number;
  /** A publish not completed after this long marks the bus down while it goes on waiting. */
  busDownAfterMs: number;
  /** A read of less than a full publish waits until its oldest entry is this old, then takes what came since. */
  lingerMs?: number;
  /**
   * Resolves once what was published to `topic` so far is durable beyond the bus's memory; entries are released
   * from the buffer only then. Absent: publish itself is durable (Kafka).
   */
  delivered?: (topic: string, signal: AbortSignal) => Promise<void>;
  /** Published batches that may wait for `delivered` at once (default 64). */
  maxUndeliveredBatches?: number;
  onPublished(entries: readonly Entry[], durationMs: number): void;
  onBusState(up: boolean): void;
  /** An entry the bus refused for good went to kiln.dlq.v1 instead. */
  onDeadLettered(entry: Entry, reason: string): void;
  /** A failure that ended in a retry: where (publish, delivery, buffer) and its class. */
  onFailure(stage: 'publish' | 'delivery' | 'buffer', failureClass: string): void;
}

const tracer = trace.getTracer('@kiln/ingestion');
const LOOP_RETRY_MS = 1_000;
const EMPTY_READ_PAUSE_MS = 50;

export class Forwarder {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private busUp = true;
  private busDownSinceMs: number | undefined;
  /** Batches read from the buffer and not yet released, oldest first. */
  private readonly unreleased: (readonly Entry[])[] = [];
  private releasing: Promise<void> = Promise.resolve();
  /** Set when a delivery wait failed: later batches must not be released past the one that was not. */
  private releaseBroken = false;
  private lastSentId = 0;

  constructor(private readonly options: ForwarderOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops sending. A publish in flight gets `graceMs` to finish; one that hangs on an unreachable bus is left
   * behind, and its entries, never acknowledged, stay in the buffer for the next run.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.running, this.releasing]),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  /** When the oldest entry read but not yet released was appended (epoch ms); undefined when none waits. */
  oldestUnreleasedAppendedAtMs(): number | undefined {
    return this.unreleased[0]?.[0]?.appendedAtMs;
  }

  private async run(): Promise<void> {
    const { buffer } = this.options;
    const signal = this.stopping.signal;
    let emptyReads = 0;
    while (!signal.aborted) {
      try {
        await this.waitForReleaseRoom();
        const entries = await this.readLingering(signal);
        if (entries.length === 0) {
          // Woken for data that could not be read yet: wait a moment instead of spinning.
          if (emptyReads > 0) await pause(EMPTY_READ_PAUSE_MS, signal);
          emptyReads += 1;
          await buffer.waitForData(signal);
          continue;
        }
        emptyReads = 0;
        this.unreleased.push(entries);
        if (!(await this.send(entries, signal))) return;
        this.lastSentId = entries[entries.length - 1]?.id ?? this.lastSentId;
        await this.release(entries, signal);
      } catch (error) {
        // A read or acknowledgement failed (the disk): read again from the first entry not sent, after a pause.
        this.options.onFailure('buffer', classifyFailure(error));
        this.options.logger.error({ err: error }, 'the forwarder could not read or release buffered entries');
        this.unreleased.splice(0);
        buffer.rewindTo(this.lastSentId + 1);
        await pause(LOOP_RETRY_MS, signal);
      }
    }
  }

  /**
   * Up to a full publish of entries. A short read waits until its first entry is lingerMs old and reads on, once:
   * under load reads are full and nothing waits; a trickle waits at most lingerMs per publish.
   */
  private async readLingering(signal: AbortSignal): Promise<Entry[]> {
    const { buffer, maxEntriesPerPublish, maxBytesPerPublish } = this.options;
    const entries = await buffer.read(maxEntriesPerPublish, maxBytesPerPublish);
    const lingerMs = this.options.lingerMs ?? 0;
    const first = entries[0];
    if (first === undefined || lingerMs === 0 || entries.length >= maxEntriesPerPublish) return entries;
    let bytes = 0;
    for (const entry of entries) bytes += entry.value.byteLength;
    if (bytes >= maxBytesPerPublish / 2) return entries;
    const waitMs = (first.appendedAtMs ?? Date.now()) + lingerMs - Date.now();
    if (waitMs > 0 && !(await pause(Math.min(waitMs, lingerMs), signal))) return entries;
    const more = await buffer.read(maxEntriesPerPublish - entries.length, maxBytesPerPublish - bytes);
    for (const entry of more) entries.push(entry);
    return entries;
  }

  /** Publishes the entries in order; false when stopped first. Entries the bus can never take go to the DLQ. */
  private async send(entries: readonly Entry[], signal: AbortSignal): Promise<boolean> {
    const started = Date.now();
    for (const run of this.runsByTopic(entries)) {
      if (!(await this.publishRun(run, signal))) return false;
    }
    this.setBusState(true);
    this.options.onPublished(entries, Date.now() - started);
    return true;
  }

  /** A run of one topic at once; when that fails for another reason than the world, entry by entry. */
  private async publishRun(run: Run, signal: AbortSignal): Promise<boolean> {
    for (let failures = 0; ; failures += 1) {
      try {
        await this.publish(run.topic, this.joined(run));
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        const failureClass = classifyFailure(error);
        this.options.onFailure('publish', failureClass);
        if (failureClass !== 'transient' && run.records.length > 1) break;
        if (failureClass !== 'transient') return this.publishOne(run.topic, run.records[0], signal, error);
        this.setBusState(false, { kind: 'failed', error });
        if (!(await pause(this.backoff(failures), signal))) return false;
      }
    }
    for (const item of run.records) {
      if (!(await this.publishOne(run.topic, item, signal))) return false;
    }
    return true;
  }

  private async publishOne(
    topic: string,
    item: RunRecord | undefined,
    signal: AbortSignal,
    firstError?: unknown,
  ): Promise<boolean> {
    if (item === undefined) return true;
    let unknownFailures = 0;
    let pending = firstError;
    for (let failures = 0; ; failures += 1) {
      if (pending === undefined) {
        try {
          await this.publish(topic, [item.record]);
          return true;
        } catch (error) {
          if (signal.aborted) return false;
          this.options.onFailure('publish', classifyFailure(error));
          pending = error;
        }
      }
      const failureClass = classifyFailure(pending);
      if (failureClass === 'permanent') {
        return this.deadLetter(item.entry, `the bus refused the record: ${describeError(pending)}`, signal);
      }
      // A transient failure among them says the world is shaky: unknown ones count again from zero.
      unknownFailures = failureClass === 'unknown' ? unknownFailures + 1 : 0;
      if (unknownFailures >= this.options.maxAttemptsOnUnknownFailure) {
        // The entry or the bus? If the dead-letter topic takes the entry's dead letter, the bus works.
        const reason = `the bus refused the record ${unknownFailures} times: ${describeError(pending)}`;
        if (await this.tryDeadLetter(item.entry, reason)) return true;
        unknownFailures = 0;
      }
      this.setBusState(false, { kind: 'failed', error: pending });
      pending = undefined;
      if (!(await pause(this.backoff(failures), signal))) return false;
    }
  }

  /** Sends the entry's dead letter instead of it; retried without end (the entry itself can never go). */
  private async deadLetter(entry: Entry, reason: string, signal: AbortSignal): Promise<boolean> {
    for (let failures = 0; ; failures += 1) {
      if (await this.tryDeadLetter(entry, reason)) return true;
      if (signal.aborted) return false;
      if (!(await pause(this.backoff(failures), signal))) return false;
    }
  }

  /** One attempt at the entry's dead letter; false when the bus did not take it either (the bus is what fails). */
  private async tryDeadLetter(entry: Entry, reason: string): Promise<boolean> {
    const record = deadLetterOf(entry, reason, this.options.maxDeadLetterPayloadBytes);
    try {
      await this.publish(topics.dlq.name, [record]);
    } catch (error) {
      this.options.onFailure('publish', classifyFailure(error));
      this.setBusState(false, { kind: 'failed', error });
      return false;
    }
    this.options.onDeadLettered(entry, reason);
    this.options.logger.error(
      { entryId: entry.id, topic: entry.topic, key: record.key, bytes: entry.value.byteLength, reason },
      `a buffered entry the bus refused for good went to ${topics.dlq.name}`,
    );
    return true;
  }

  private async publish(topic: string, records: readonly OutRecord[]): Promise<void> {
    const slow = setTimeout(
      () => this.setBusState(false, { kind: 'slow', topic, records: records.length }),
      this.options.busDownAfterMs,
    );
    slow.unref();
    await tracer.startActiveSpan(`${topic} publish`, async (span) => {
      span.setAttribute('messaging.destination.name', topic);
      span.setAttribute('messaging.batch.message_count', records.length);
      try {
        await this.options.bus.publish(topic, records);
      } finally {
        clearTimeout(slow);
        span.end();
      }
    });
  }

  /**
   * Acknowledges the entries in the buffer: at once, or, with `delivered`, once what was published is durable;
   * meanwhile the loop sends what follows. Releases happen in order and never past one that failed.
   */
  private async release(entries: readonly Entry[], signal: AbortSignal): Promise<void> {
    const delivered = this.options.delivered;
    if (delivered === undefined) {
      await this.acknowledge(entries);
      return;
    }
    const topicsOf = [...new Set(entries.map((entry) => entry.topic))];
    const durable = Promise.all(topicsOf.map((topic) => delivered(topic, signal)));
    // Observed here at once: a rejection while earlier releases are awaited is not left unhandled.
    durable.catch(() => undefined);
    this.releasing = this.releasing.then(async () => {
      if (this.releaseBroken) return;
      try {
        await durable;
      } catch (error) {
        this.releaseBroken = true;
        if (!signal.aborted) {
          this.options.onFailure('delivery', classifyFailure(error));
          this.options.logger.error(
            { err: error },
            'stopped waiting for buffered entries to be committed; they stay in the buffer for the next start',
          );
        }
        return;
      }
      try {
        await this.acknowledge(entries);
      } catch (error) {
        // The cursor is the last acknowledged id: the next acknowledgement writes it again.
        this.options.onFailure('buffer', classifyFailure(error));
        this.options.logger.error({ err: error }, 'the store-and-forward cursor could not be written');
      }
    });
  }

  private async acknowledge(entries: readonly Entry[]): Promise<void> {
    // Acknowledged even while stopping: the bus has them (a closed buffer ignores it).
    if (this.unreleased[0] === entries) this.unreleased.shift();
    await this.options.buffer.ack(entries);
  }

  private async waitForReleaseRoom(): Promise<void> {
    const max = this.options.maxUndeliveredBatches ?? 64;
    while (this.unreleased.length >= max && !this.releaseBroken && !this.stopping.signal.aborted) {
      await this.releasing;
    }
  }

  /**
   * The records of a run as sent: kiln.raw.v1 entries of one key joined (coalesce.ts), else one per entry. A run
   * refused for another reason than the world is retried entry by entry, unjoined, so one bad entry is found.
   */
  private joined(run: Run): OutRecord[] {
    const bounds = this.options.coalesce;
    if (bounds === undefined || run.topic !== topics.raw.name || run.records.length < 2) {
      return run.records.map((item) => item.record);
    }
    const out: OutRecord[] = [];
    for (const record of coalesceRawEntries(
      run.records.map((item) => item.entry),
      bounds,
    )) {
      const joined = { key: record.key, value: record.value, headers: { ...record.headers } };
      if (record.entries.length === 1 || recordBytes(joined) <= this.options.maxRecordBytes) {
        out.push(joined);
        continue;
      }
      // Cannot happen within the bounds given; sent as they came if it does.
      const single = new Map(run.records.map((item) => [item.entry, item.record]));
      for (const entry of record.entries) out.push(single.get(entry) ?? this.recordOf(entry).record);
    }
    return out;
  }

  /** Runs of one topic, in buffer order (order per key holds on every topic); oversized entries become dead letters. */
  private runsByTopic(entries: readonly Entry[]): Run[] {
    const runs: Run[] = [];
    for (const entry of entries) {
      const item = this.recordOf(entry);
      let run = runs[runs.length - 1];
      if (run === undefined || run.topic !== item.topic) {
        run = { topic: item.topic, records: [] };
        runs.push(run);
      }
      run.records.push({ entry, record: item.record });
    }
    return runs;
  }

  private recordOf(entry: Entry): { topic: string; record: OutRecord } {
    const record = { key: entry.key, value: entry.value, headers: { ...entry.headers } };
    const bytes = recordBytes(record);
    if (bytes <= this.options.maxRecordBytes) return { topic: entry.topic, record };
    const reason = `the entry is ${bytes} bytes as a record, over the ${this.options.maxRecordBytes}-byte limit of the bus`;
    this.options.onDeadLettered(entry, reason);
    this.options.logger.error(
      { entryId: entry.id, topic: entry.topic, key: entry.key.slice(0, 200), bytes },
      `a buffered entry too large for the bus goes to ${topics.dlq.name}, cut down`,
    );
    return {
      topic: topics.dlq.name,
      record: deadLetterOf(entry, reason, this.options.maxDeadLetterPayloadBytes),
    };
  }

  private backoff(failures: number): number {
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failures, 30));
  }

  /** Marks the bus up or down: the metric at once, one log line per change, never one per retry. */
  private setBusState(up: boolean, cause?: BusDownCause): void {
    if (up === this.busUp) return;
    this.busUp = up;
    this.options.onBusState(up);
    const buffered = this.options.buffer.stats().samples;
    if (up) {
      const downForMs = this.busDownSinceMs === undefined ? undefined : Date.now() - this.busDownSinceMs;
      this.busDownSinceMs = undefined;
      this.options.logger.info(
        { downForMs, buffered },
        'the bus takes samples again; sending what was buffered',
      );
      return;
    }
    this.busDownSinceMs = Date.now();
    const fields =
      cause?.kind === 'slow'
        ? {
            topic: cause.topic,
            records: cause.records,
            reason:
              `a publish has not completed within ${this.options.busDownAfterMs} ms ` +
              '(ingestion.forwarder.busDownAfterMs); still waiting for it',
          }
        : { err: cause?.error };
    this.options.logger.warn(
      { ...fields, buffered },
      'cannot publish to the bus; samples are kept in the buffer until it takes them again',
    );
  }
}

/** Why the bus is marked down: an attempt that failed, or a publish still waiting after busDownAfterMs. */
type BusDownCause = { kind: 'failed'; error: unknown } | { kind: 'slow'; topic: string; records: number };

interface RunRecord {
  entry: Entry;
  record: OutRecord;
}

interface Run {
  topic: string;
  records: RunRecord[];
}

/** Waits `ms` unless stopped first; false when stopped. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(!signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
