// The ingestion pipeline: connectors -> per-source batches -> store-and-forward buffer -> kiln.raw.v1.
// Used by the ingestion service's main.ts and by `kiln start`, which runs it in one process with the rest.
import { mkdir } from 'node:fs/promises';
import { encodeEvent, eventTopics, type RawSampleBatch } from '@kiln/contracts';
import type { EventBus } from '@kiln/bus';
import type { Logger, ReadinessCheck, Registry, ServiceLifecycle, StopContext } from '@kiln/service-kit';
import { DiskBuffer } from './buffer/disk-buffer';
import type { IngestionSection } from './config';
import { createConnector } from './connectors/registry';
import {
  BufferRefusedError,
  type Connector,
  type ConnectorContext,
  type ConnectorKind,
  type EmitOptions,
  type ConnectorState,
  type RejectedInput,
  type Sample,
} from './connectors/types';
import { createIngestionMetrics, type IngestionMetrics } from './metrics';
import { SampleBatcher, type WhenDurable } from './pipeline/batcher';
import { Forwarder } from './pipeline/forwarder';
import { toRawSample } from './pipeline/raw-sample';
import { recordBytes } from './pipeline/record-bounds';
import { RejectSink } from './pipeline/rejects';
import { sampleAsJson, sampleProblem, sourceIdProblem, type SampleRules } from './pipeline/sample-check';

export interface IngestionDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  /**
   * Resolves once what was published to `topic` so far is durable beyond the bus's memory: the buffer releases
   * entries only then. `kiln start` passes the in-process bus's wait for normalization's commits; absent, publish
   * itself is durable (Kafka, acks from all in-sync replicas).
   */
  delivered?: (topic: string, signal: AbortSignal) => Promise<void>;
}

export interface ConnectorStatus {
  id: string;
  kind: ConnectorKind;
  state: ConnectorState;
  detail?: string;
}

export interface Ingestion {
  readonly connectors: readonly Connector[];
  status(): ConnectorStatus[];
  buffer: DiskBuffer;
  /** For /readyz: the buffer is not full, and no entry waits for the bus longer than readiness.maxUnsentAgeMs. */
  readonly readiness: readonly ReadinessCheck[];
}

const DROP_LOG_INTERVAL_MS = 10_000;

export async function startIngestion(
  lifecycle: ServiceLifecycle,
  config: IngestionSection,
  deps: IngestionDependencies,
): Promise<Ingestion> {
  const logger = deps.logger.child({ component: 'ingestion' });
  const holder: { buffer?: DiskBuffer } = {};
  const metrics = createIngestionMetrics(deps.registry, () => holder.buffer);

  let lastDropLog = 0;
  await mkdir(config.buffer.directory, { recursive: true, mode: 0o700 });
  const openedBuffer = await DiskBuffer.open({
    ...config.buffer,
    logger: logger.child({ component: 'store-and-forward' }),
    onDrop: (entries, samples, policy) => {
      metrics.dropped(entries, samples, policy);
      const now = Date.now();
      if (now - lastDropLog >= DROP_LOG_INTERVAL_MS) {
        lastDropLog = now;
        logger.error(
          { entries, samples, policy, directory: config.buffer.directory, maxBytes: config.buffer.maxBytes },
          `store-and-forward buffer full: ${policy === 'drop-oldest' ? 'oldest' : 'newest'} samples dropped`,
        );
      }
    },
    onCorrupt: (frames, bytes) => metrics.corrupt(frames, bytes),
  });
  holder.buffer = openedBuffer;
  const recovered = openedBuffer.stats();
  metrics.corrupt(recovered.corruptFrames, recovered.corruptBytes);
  lifecycle.add({ name: 'store-and-forward buffer', stop: () => openedBuffer.close() });

  const rejects = new RejectSink({
    append: (record) => openedBuffer.append(record),
    logger,
    logIntervalMs: config.rejectLogIntervalMs,
    maxPayloadBytes: config.deadLetters.maxPayloadBytes,
    onRejected: (connector, cause) => metrics.rejected(connector, cause),
    onDeadLetterDropped: (connector) =>
      logger.error({ connector }, 'store-and-forward buffer full: a rejected payload was dropped'),
  });

  const forwarder = new Forwarder({
    buffer: openedBuffer,
    bus: deps.bus,
    logger,
    maxEntriesPerPublish: 2_000,
    maxBytesPerPublish: 4 * 1024 * 1024,
    retry: { initialDelayMs: 200, maxDelayMs: 5_000 },
    maxRecordBytes: config.forwarder.maxRecordBytes,
    // Room for the key and headers beside the joined value; the forwarder checks the whole record again.
    coalesce: {
      maxSamples: config.batching.maxSamples,
      maxValueBytes: config.forwarder.maxRecordBytes - 16 * 1024,
    },
    maxDeadLetterPayloadBytes: config.deadLetters.maxPayloadBytes,
    maxAttemptsOnUnknownFailure: config.forwarder.maxAttemptsOnUnknownFailure,
    busDownAfterMs: config.forwarder.busDownAfterMs,
    lingerMs: config.forwarder.lingerMs,
    ...(deps.delivered === undefined ? {} : { delivered: deps.delivered }),
    onPublished: (entries, durationMs) =>
      metrics.published(
        entries.length,
        entries.reduce((sum, entry) => sum + entry.samples, 0),
        durationMs,
      ),
    onBusState: (up) => metrics.busState(up),
    onDeadLettered: (entry) => metrics.entryDeadLettered(entry.topic, entry.samples),
    onFailure: (stage, failureClass) => metrics.forwarderFailure(stage, failureClass),
  });
  forwarder.start();
  lifecycle.add({
    name: 'forwarder',
    // Sends what it can within the drain budget; the rest stays on disk for the next start.
    stop: async (context: StopContext) => {
      await waitForEmptyBuffer(openedBuffer, context.drainSignal);
      await forwarder.stop();
    },
  });

  const batches = new BatchSink({
    config,
    buffer: openedBuffer,
    rejects,
    maxRecordBytes: config.forwarder.maxRecordBytes,
    metrics,
    logger,
  });
  const batcher = new SampleBatcher({
    ...config.batching,
    onBatch: (sourceId, connector, samples, key) => batches.append(sourceId, connector, samples, key),
    onBatchFailed: (sourceId, connector, samples, error) =>
      batches.refuse(sourceId, connector, samples, 'unencodable-batch', error),
  });
  lifecycle.add({ name: 'batcher', stop: async () => batcher.flush() });

  const rules: SampleRules = {
    window: {
      pastUs: config.samples.maxSourceTimeAgeMs * 1000,
      futureUs: config.samples.maxSourceTimeAheadMs * 1000,
    },
    maxTextLength: config.samples.maxTextLength,
  };
  /**
   * Every sample of every connector passes here once: what fails goes to kiln.dlq.v1, the rest is returned.
   * `deadLettered` is false when the buffer refused a dead letter.
   */
  const check = (
    connector: Connector,
    sourceId: string,
    samples: readonly Sample[],
    checked = false,
  ): { good: readonly Sample[]; deadLettered: boolean } => {
    const badSource = sourceIdProblem(sourceId);
    if (checked && badSource === undefined) return { good: samples, deadLettered: true };
    const nowUs = Date.now() * 1000;
    const good: Sample[] = [];
    let deadLettered = true;
    for (const sample of samples) {
      const problem = badSource ?? sampleProblem(sample, nowUs, rules);
      if (problem === undefined) {
        good.push(sample);
        continue;
      }
      metrics.invalidSample(connector.id, problem.field);
      const kept = rejects.reject(connector.id, {
        sourceId,
        cause: 'invalid-sample',
        error: problem.message,
        payload: sampleAsJson(sourceId, connector.kind, sample),
        origin: sourceId,
      });
      deadLettered &&= kept;
    }
    return { good, deadLettered };
  };
  /** Resolves once the buffer wrote every entry appended so far (or rejects: it refused one of them). */
  const writtenSoFar = (accepted: boolean, what: string): Promise<void> =>
    accepted
      ? openedBuffer.written(openedBuffer.lastAppendedId())
      : Promise.reject(refusedError(config, what));
  /**
   * Samples count as received once the buffer wrote them (as a batch or as dead letters), not when handed over:
   * until then a kill -9 loses them. What the buffer refused is counted as dropped instead.
   */
  const countWhenWritten = (connector: Connector, count: number, written: Promise<unknown>): Promise<void> =>
    written.then(() => metrics.samplesReceived(connector.id, count));
  const accept = (
    connector: Connector,
    sourceId: string,
    samples: readonly Sample[],
    key: string | undefined,
  ): void => {
    if (samples.length === 0) return;
    const { good, deadLettered } = check(connector, sourceId, samples);
    const written: Promise<void>[] = [];
    if (good.length > 0) written.push(batcher.addWatched(sourceId, connector.kind, good, key ?? sourceId));
    if (good.length < samples.length)
      written.push(writtenSoFar(deadLettered, 'dead letters of refused samples'));
    // A refusal by the buffer is counted and logged where it happens (dropped samples).
    countWhenWritten(connector, samples.length, Promise.all(written)).catch(() => undefined);
  };
  const acceptDurable = (
    connector: Connector,
    sourceId: string,
    samples: readonly Sample[],
    key: string | undefined,
    options: EmitOptions | undefined,
  ): Promise<void> => {
    const { good, deadLettered } = check(connector, sourceId, samples, options?.checked === true);
    const batched =
      good.length > 0
        ? batcher.addDurable(sourceId, connector.kind, good, key ?? sourceId)
        : Promise.resolve();
    // The common case, all good, waits on the batch alone (MQTT calls this once per message).
    const written =
      good.length === samples.length
        ? batched
        : Promise.all([writtenSoFar(deadLettered, 'dead letters of refused samples'), batched]).then(
            () => undefined,
          );
    // The batch's own promise is returned (not a derived one): a connector can tell messages that share it.
    countWhenWritten(connector, samples.length, written).catch(() => undefined);
    return written;
  };

  const statuses = new Map<string, ConnectorStatus>();
  const connectors: Connector[] = [];
  for (const connectorConfig of config.connectors) {
    const connector = createConnector(connectorConfig);
    const connectorLogger = logger.child({ connector: connector.id, kind: connector.kind });
    statuses.set(connector.id, { id: connector.id, kind: connector.kind, state: 'starting' });
    const context: ConnectorContext = {
      logger: connectorLogger,
      registry: deps.registry,
      sampleRules: rules,
      // Never throws into the connector: an error here would end up in a protocol library's callback.
      emit: (sourceId: string, samples: readonly Sample[], key?: string) => {
        try {
          accept(connector, sourceId, samples, key);
        } catch (error) {
          metrics.pipelineFailure('emit');
          connectorLogger.error({ err: error, sourceId }, 'samples could not be taken into the pipeline');
        }
      },
      emitDurable: (sourceId: string, samples: readonly Sample[], key?: string, options?: EmitOptions) => {
        try {
          return acceptDurable(connector, sourceId, samples, key, options);
        } catch (error) {
          metrics.pipelineFailure('emit');
          connectorLogger.error({ err: error, sourceId }, 'samples could not be taken into the pipeline');
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      hasRoomFor: (bytes: number) => openedBuffer.stats().bytes + bytes <= config.buffer.maxBytes,
      reject: (input) => {
        rejects.reject(connector.id, input);
      },
      rejectDurable: (input: RejectedInput) =>
        writtenSoFar(rejects.reject(connector.id, input), 'the dead letter of rejected input'),
      setState: (state, detail) => {
        const previous = statuses.get(connector.id);
        statuses.set(connector.id, {
          id: connector.id,
          kind: connector.kind,
          state,
          ...(detail === undefined ? {} : { detail }),
        });
        metrics.connectorState(connector.id, connector.kind, state);
        if (previous?.state !== state) {
          const log =
            state === 'disconnected'
              ? connectorLogger.warn.bind(connectorLogger)
              : connectorLogger.info.bind(connectorLogger);
          log({ state, detail }, `connector ${state}`);
        }
      },
    };
    await connector.start(context);
    connectors.push(connector);
    lifecycle.add({ name: `connector ${connector.id}`, stop: () => connector.stop() });
  }
  logger.info(
    { connectors: connectors.map((c) => `${c.kind}/${c.id}`), buffer: config.buffer.directory },
    'ingestion started',
  );

  return {
    connectors,
    buffer: openedBuffer,
    status: () => [...statuses.values()],
    readiness: bufferReadiness(config, openedBuffer, forwarder, metrics),
  };
}

function bufferReadiness(
  config: IngestionSection,
  buffer: DiskBuffer,
  forwarder: Forwarder,
  metrics: IngestionMetrics,
): ReadinessCheck[] {
  const oldestUnsent = (): number | undefined => {
    const times = [forwarder.oldestUnreleasedAppendedAtMs(), buffer.oldestPendingAppendedAtMs()].filter(
      (time): time is number => time !== undefined,
    );
    return times.length === 0 ? undefined : Math.min(...times);
  };
  metrics.watchUnsentAge(() => {
    const oldest = oldestUnsent();
    return oldest === undefined ? 0 : Math.max(0, Date.now() - oldest);
  });
  return [
    {
      name: 'buffer',
      check: async () => {
        const { bytes } = buffer.stats();
        if (bytes >= config.buffer.maxBytes) {
          throw new Error(
            `store-and-forward buffer is full (${bytes} of ${config.buffer.maxBytes} bytes, ingestion.buffer.maxBytes)`,
          );
        }
        const oldest = oldestUnsent();
        const ageMs = oldest === undefined ? 0 : Date.now() - oldest;
        if (ageMs > config.readiness.maxUnsentAgeMs) {
          throw new Error(
            `the oldest unsent entry of the store-and-forward buffer waits for ${ageMs} ms, older than ` +
              `${config.readiness.maxUnsentAgeMs} ms (ingestion.readiness.maxUnsentAgeMs): the bus (or, in one ` +
              'process, normalization) does not take records',
          );
        }
      },
    },
  ];
}

interface BatchSinkOptions {
  config: IngestionSection;
  buffer: DiskBuffer;
  rejects: RejectSink;
  maxRecordBytes: number;
  metrics: IngestionMetrics;
  logger: Logger;
}

/**
 * Encodes closed batches into the buffer, each a record the bus takes: a batch whose encoding is larger than the
 * bus's record limit is split in halves; a single sample larger than it is dead-lettered.
 */
class BatchSink {
  constructor(private readonly options: BatchSinkOptions) {}

  /** Appends the batch; what it returns resolves once the buffer wrote it (see BatcherOptions.onBatch). */
  append(sourceId: string, connector: ConnectorKind, samples: Sample[], key: string): WhenDurable {
    return this.whenWritten(this.appendSplit(sourceId, connector, samples, key), 'samples');
  }

  /** Appends the batch, split where needed; false when the buffer refused some of it. */
  private appendSplit(sourceId: string, connector: ConnectorKind, samples: Sample[], key: string): boolean {
    const batch: RawSampleBatch = { sourceId, connector, samples: samples.map(toRawSample) };
    const encoded = encodeEvent(eventTopics.raw, batch);
    const bytes = recordBytes({ key, value: encoded.value, headers: encoded.headers });
    if (bytes > this.options.maxRecordBytes) {
      if (samples.length > 1) {
        const half = Math.ceil(samples.length / 2);
        const first = this.appendSplit(sourceId, connector, samples.slice(0, half), key);
        const second = this.appendSplit(sourceId, connector, samples.slice(half), key);
        return first && second;
      }
      return this.refuseAll(
        sourceId,
        connector,
        samples,
        'oversized-sample',
        `tag "${samples[0]?.tag.slice(0, 200) ?? ''}" encodes to a ${bytes}-byte record, over the ` +
          `${this.options.maxRecordBytes}-byte record limit (ingestion.forwarder.maxRecordBytes)`,
      );
    }
    return this.options.buffer.append({
      topic: eventTopics.raw.topic.name,
      key,
      headers: encoded.headers,
      value: encoded.value,
      samples: samples.length,
    });
  }

  /** Samples that cannot become a record: each goes to kiln.dlq.v1 with the reason; never throws. */
  refuse(
    sourceId: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    cause: string,
    error: unknown,
  ): WhenDurable {
    return this.whenWritten(this.refuseAll(sourceId, connector, samples, cause, error), 'dead letters');
  }

  private whenWritten(accepted: boolean, what: string): WhenDurable {
    const upTo = this.options.buffer.lastAppendedId();
    const refused = accepted ? undefined : refusedError(this.options.config, what);
    return () => (refused === undefined ? this.options.buffer.written(upTo) : Promise.reject(refused));
  }

  private refuseAll(
    sourceId: string,
    connector: ConnectorKind,
    samples: readonly Sample[],
    cause: string,
    error: unknown,
  ): boolean {
    this.options.metrics.pipelineFailure(cause);
    let accepted = true;
    for (const sample of samples) {
      try {
        const kept = this.options.rejects.reject(`${connector}`, {
          sourceId,
          cause,
          error,
          payload: sampleAsJson(sourceId, connector, sample),
          origin: sourceId,
        });
        accepted &&= kept;
      } catch (failure) {
        accepted = false;
        this.options.logger.error({ err: failure, sourceId }, 'a refused sample could not be dead-lettered');
      }
    }
    return accepted;
  }
}

function refusedError(config: IngestionSection, what: string): BufferRefusedError {
  return new BufferRefusedError(
    `the store-and-forward buffer is full (ingestion.buffer.maxBytes ${config.buffer.maxBytes}) and its ` +
      `overflow policy (${config.buffer.overflow}) refused the ${what}: try again later`,
  );
}

async function waitForEmptyBuffer(buffer: DiskBuffer, signal: AbortSignal): Promise<void> {
  await buffer.flush();
  while (buffer.stats().entries > 0 && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
