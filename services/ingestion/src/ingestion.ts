// The ingestion pipeline: connectors -> per-source batches -> store-and-forward buffer -> kiln.raw.v1.
// Used by the ingestion service's main.ts and by `kiln start`, which runs it in one process with the rest.
import { mkdir } from 'node:fs/promises';
import { encodeEvent, eventTopics, type RawSampleBatch } from '@kiln/contracts';
import type { EventBus } from '@kiln/bus';
import type { Logger, Registry, ServiceLifecycle, StopContext } from '@kiln/service-kit';
import { DiskBuffer } from './buffer/disk-buffer';
import type { IngestionSection } from './config';
import { createConnector } from './connectors/registry';
import type { Connector, ConnectorContext, ConnectorKind, ConnectorState, Sample } from './connectors/types';
import { createIngestionMetrics } from './metrics';
import { SampleBatcher } from './pipeline/batcher';
import { Forwarder } from './pipeline/forwarder';
import { toRawSample } from './pipeline/raw-sample';
import { RejectSink } from './pipeline/rejects';

export interface IngestionDependencies {
  bus: EventBus;
  logger: Logger;
  registry: Registry;
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
  await mkdir(config.buffer.directory, { recursive: true });
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
  });
  holder.buffer = openedBuffer;
  lifecycle.add({ name: 'store-and-forward buffer', stop: () => openedBuffer.close() });

  const forwarder = new Forwarder({
    buffer: openedBuffer,
    bus: deps.bus,
    logger,
    maxEntriesPerPublish: 500,
    maxBytesPerPublish: 4 * 1024 * 1024,
    retry: { initialDelayMs: 200, maxDelayMs: 5_000 },
    onPublished: (entries, durationMs) =>
      metrics.published(
        entries.length,
        entries.reduce((sum, entry) => sum + entry.samples, 0),
        durationMs,
      ),
    onBusState: (up) => metrics.busState(up),
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

  const batcher = new SampleBatcher({
    ...config.batching,
    onBatch: (sourceId, connector, samples) => {
      const batch: RawSampleBatch = { sourceId, connector, samples: samples.map(toRawSample) };
      const encoded = encodeEvent(eventTopics.raw, batch);
      openedBuffer.append({
        topic: eventTopics.raw.topic.name,
        key: encoded.key,
        headers: encoded.headers,
        value: encoded.value,
        samples: samples.length,
      });
    },
  });
  lifecycle.add({ name: 'batcher', stop: async () => batcher.flush() });

  const rejects = new RejectSink({
    append: (record) => openedBuffer.append(record),
    logger,
    logIntervalMs: config.rejectLogIntervalMs,
    onRejected: (connector, cause) => metrics.rejected(connector, cause),
    onDeadLetterDropped: (connector) =>
      logger.error({ connector }, 'store-and-forward buffer full: a rejected payload was dropped'),
  });

  const statuses = new Map<string, ConnectorStatus>();
  const connectors: Connector[] = [];
  for (const connectorConfig of config.connectors) {
    const connector = createConnector(connectorConfig);
    const connectorLogger = logger.child({ connector: connector.id, kind: connector.kind });
    statuses.set(connector.id, { id: connector.id, kind: connector.kind, state: 'starting' });
    const context: ConnectorContext = {
      logger: connectorLogger,
      registry: deps.registry,
      emit: (sourceId: string, samples: readonly Sample[]) => {
        metrics.samplesReceived(connector.id, samples.length);
        batcher.add(sourceId, connector.kind, samples);
      },
      reject: (input) => rejects.reject(connector.id, input),
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
  };
}

async function waitForEmptyBuffer(buffer: DiskBuffer, signal: AbortSignal): Promise<void> {
  await buffer.flush();
  while (buffer.stats().entries > 0 && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
