// How a batch is handled, the same on every implementation, by the failure's class (errors.ts): endless retries
// with capped backoff on a failure of the world, at once record by record on a failure of a record (the poison
// ones are dead-lettered), a few retries first when the failure is of neither known class; dead-letter writes
// before the commit. Each attempt runs the subscription's decode step first (decode-step.ts): the records it
// refuses are dead-lettered with the rest of the attempt's, without a retry. The caller commits only when this
// resolves 'handled'.
import { deadLetterRecord, type DeadLetter } from './dead-letter';
import type { BatchConsumer } from './decode-step';
import { classifyFailure, describeError } from './errors';
import { inConsumerSpan } from './tracing';
import type {
  BatchContext,
  BusLogger,
  BusMetrics,
  BusRecord,
  OutgoingRecord,
  RecordBatch,
  RetryOptions,
} from './types';

/** Retries of a failure of the world between two log lines (about a minute at the 5 s backoff cap). */
const TRANSIENT_LOG_EVERY = 12;

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  isolationAttempts: 2,
};

export interface BatchRunEnvironment {
  service: string;
  groupId: string;
  /** The subscription's decode step and handler. */
  consumer: BatchConsumer;
  retry: RetryOptions;
  logger: BusLogger;
  metrics: BusMetrics;
  /** Aborted when the subscription gives the batch up (close past the drain deadline). */
  signal: AbortSignal;
  /** False once the partition was revoked or the subscription stopped: retrying is then pointless. */
  isActive(): boolean;
  heartbeat(): Promise<void>;
  /** Writes dead-letter records durably; throws when it cannot. */
  writeDeadLetters(records: OutgoingRecord[]): Promise<void>;
}

/** 'handled': effects durable, commit. 'abandoned': the partition was given up; commit nothing. */
export type BatchOutcome = 'handled' | 'abandoned';

export async function runBatch(batch: RecordBatch, env: BatchRunEnvironment): Promise<BatchOutcome> {
  const started = Date.now();
  const outcome = await inConsumerSpan(batch, env.groupId, () => handleWithRetries(batch, env));
  if (outcome === 'handled') {
    env.metrics.batchHandled(batch.topic, env.groupId, batch.records.length, Date.now() - started);
  }
  return outcome;
}

async function handleWithRetries(batch: RecordBatch, env: BatchRunEnvironment): Promise<BatchOutcome> {
  let failures = 0;
  let transientFailures = 0;
  for (;;) {
    const result = await attempt(batch, env);
    if (result.ok) {
      if (transientFailures > 1) {
        env.logger.info(
          { ...batchFields(batch, env), transientFailures },
          'batch handled after an outage; the partition flows again',
        );
      }
      return result.deadLetters.length === 0 || (await writeDeadLetters(result.deadLetters, env))
        ? 'handled'
        : retryAfterDeadLetterFailure(batch, env);
    }
    env.metrics.handlerFailed(batch.topic, env.groupId);
    if (!env.isActive() || env.signal.aborted) return 'abandoned';
    const failureClass = classifyFailure(result.error);
    const transient = failureClass === 'transient';
    if (transient) transientFailures += 1;
    else failures += 1;
    const fields = batchFields(batch, env);
    if (failureClass === 'permanent' || (!transient && failures >= env.retry.maxAttempts)) {
      env.logger.warn(
        { ...fields, attempts: failures, failureClass, error: describeError(result.error) },
        'batch fails on a record: handling its records one by one to dead-letter the poison ones',
      );
      return isolate(batch, env);
    }
    const delayMs = backoffMs(transient ? transientFailures : failures, env.retry);
    // An outage is told when it begins and then about once a minute, not at every retry of every partition.
    const log =
      !transient || transientFailures % TRANSIENT_LOG_EVERY === 1 ? env.logger.warn : env.logger.debug;
    log.call(
      env.logger,
      {
        ...fields,
        attempt: failures + transientFailures,
        transient,
        delayMs,
        error: describeError(result.error),
      },
      'batch handler failed; retrying',
    );
    await sleep(delayMs, env.signal);
  }
}

async function retryAfterDeadLetterFailure(
  batch: RecordBatch,
  env: BatchRunEnvironment,
): Promise<BatchOutcome> {
  if (!env.isActive() || env.signal.aborted) return 'abandoned';
  await sleep(env.retry.maxDelayMs, env.signal);
  return handleWithRetries(batch, env);
}

type AttemptResult = { ok: true; deadLetters: DeadLetter[] } | { ok: false; error: unknown };

async function attempt(batch: RecordBatch, env: BatchRunEnvironment): Promise<AttemptResult> {
  const deadLetters: DeadLetter[] = [];
  const context: BatchContext = {
    signal: env.signal,
    deadLetter: (record: BusRecord, error: unknown) => {
      deadLetters.push({ record, error });
    },
    heartbeat: () => env.heartbeat(),
  };
  const refuse = (record: BusRecord, error: unknown): void => {
    deadLetters.push({ record, error, refusedAtDecode: true });
  };
  try {
    await env.consumer.consume(batch, context, refuse);
    return { ok: true, deadLetters };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Handles each record alone; one that still fails is dead-lettered with its error. */
async function isolate(batch: RecordBatch, env: BatchRunEnvironment): Promise<BatchOutcome> {
  const deadLetters: DeadLetter[] = [];
  for (const record of batch.records) {
    const single: RecordBatch = { topic: batch.topic, partition: batch.partition, records: [record] };
    let failures = 0;
    for (;;) {
      if (!env.isActive() || env.signal.aborted) return 'abandoned';
      const result = await attempt(single, env);
      if (result.ok) {
        deadLetters.push(...result.deadLetters);
        break;
      }
      const failureClass = classifyFailure(result.error);
      if (failureClass === 'transient') {
        await sleep(env.retry.maxDelayMs, env.signal);
        continue;
      }
      failures += 1;
      if (failureClass === 'permanent' || failures >= env.retry.isolationAttempts) {
        deadLetters.push({ record, error: result.error });
        break;
      }
      await sleep(backoffMs(failures, env.retry), env.signal);
    }
  }
  if (deadLetters.length === 0 || (await writeDeadLetters(deadLetters, env))) return 'handled';
  return retryAfterDeadLetterFailure(batch, env);
}

async function writeDeadLetters(deadLetters: DeadLetter[], env: BatchRunEnvironment): Promise<boolean> {
  const now = new Date();
  const records = deadLetters.map((deadLetter) =>
    deadLetterRecord(deadLetter, { service: env.service, groupId: env.groupId, now }),
  );
  try {
    await env.writeDeadLetters(records);
  } catch (error) {
    env.logger.error(
      { groupId: env.groupId, count: records.length, error: describeError(error) },
      'cannot write to the dead-letter topic; the batch stays uncommitted and is retried',
    );
    return false;
  }
  for (const { record, error, refusedAtDecode } of deadLetters) {
    env.logger.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        groupId: env.groupId,
        refusedAtDecode: refusedAtDecode === true,
        error: describeError(error),
      },
      'record dead-lettered',
    );
    if (refusedAtDecode === true) tellRefused(record, error, env);
  }
  const first = deadLetters[0];
  if (first !== undefined) env.metrics.deadLettered(first.record.topic, env.groupId, deadLetters.length);
  return true;
}

/** A service's listener must not turn a handled batch into a failed one. */
function tellRefused(record: BusRecord, error: unknown, env: BatchRunEnvironment): void {
  try {
    env.consumer.onRecordRefused?.(record, error);
  } catch (listenerError) {
    env.logger.warn(
      { groupId: env.groupId, error: describeError(listenerError) },
      'onRecordRefused threw; the record is dead-lettered all the same',
    );
  }
}

export function backoffMs(failures: number, retry: RetryOptions): number {
  const exponential = retry.initialDelayMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(retry.maxDelayMs, exponential);
  // Full jitter on the upper half keeps members that failed together from retrying in lockstep.
  return Math.round(capped / 2 + (Math.random() * capped) / 2);
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Settles with the work's result, or with 'timeout' after ms; clears its timer either way. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const stop = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, stop.signal).then(() => 'timeout' as const)]);
  } finally {
    stop.abort();
  }
}

function batchFields(batch: RecordBatch, env: BatchRunEnvironment): object {
  return {
    topic: batch.topic,
    partition: batch.partition,
    firstOffset: batch.records[0]?.offset,
    lastOffset: batch.records[batch.records.length - 1]?.offset,
    groupId: env.groupId,
  };
}

export function resolveRetryOptions(retry: Partial<RetryOptions> | undefined): RetryOptions {
  return { ...defaultRetryOptions, ...retry };
}
