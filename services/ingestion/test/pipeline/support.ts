// Ingestion over an in-process bus, for pipeline tests that need no broker: a reader group joined before the
// first publish keeps every record of kiln.raw.v1 and kiln.dlq.v1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, type BusRecord } from '@kiln/bus';
import { decodeEvent, eventTopics, topics, type RawSample } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, type Registry } from '@kiln/service-kit';
import { uniqueName } from '@kiln/test-infra';
import type { z } from 'zod';
import { ingestionSectionSchema } from '../../src/config';
import { startIngestion, type Ingestion } from '../../src/ingestion';
import { testLifecycle } from '../support/lifecycle';

export type SectionInput = z.input<typeof ingestionSectionSchema>;

export interface PipelineUnderTest {
  readonly ingestion: Ingestion;
  readonly registry: Registry;
  readonly bus: InProcessBus;
  readonly directory: string;
  /** Samples published to kiln.raw.v1, with their source id. */
  readonly samples: { sourceId: string; sample: RawSample }[];
  readonly deadLetters: BusRecord[];
  stop(): Promise<void>;
}

export async function startPipeline(
  name: string,
  section: SectionInput,
  busOptions: { maxBufferedBytesPerPartition?: number } = {},
  /** How the buffer learns that what it published is durable (see IngestionDependencies.delivered). */
  delivered?: (bus: InProcessBus) => (topic: string, signal: AbortSignal) => Promise<void>,
): Promise<PipelineUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), `kiln-${name}-`));
  const bus = new InProcessBus({ service: 'ingestion', ...busOptions });
  await bus.provision([topics.raw, topics.dlq]);
  const samples: { sourceId: string; sample: RawSample }[] = [];
  const deadLetters: BusRecord[] = [];
  await bus.subscribe({
    groupId: uniqueName(`${name}-reader`),
    topics: [topics.raw.name, topics.dlq.name],
    handler: async (batch) => {
      for (const record of batch.records) {
        if (record.topic === topics.dlq.name) {
          deadLetters.push(record);
          continue;
        }
        const decoded = decodeEvent(eventTopics.raw, record.value, record.headers);
        for (const sample of decoded.samples) samples.push({ sourceId: decoded.sourceId, sample });
      }
    },
  });
  const lifecycle = testLifecycle();
  lifecycle.add({ name: 'bus', stop: () => bus.close() });
  const registry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
  const logger = createLogger({
    service: name,
    level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent',
  });
  const ingestion = await startIngestion(
    lifecycle,
    ingestionSectionSchema.parse({
      buffer: { directory: join(directory, 'buffer'), fsync: 'never' },
      batching: { lingerMs: 10 },
      ...section,
    }),
    { bus, logger, registry, ...(delivered === undefined ? {} : { delivered: delivered(bus) }) },
  );
  return {
    ingestion,
    registry,
    bus,
    directory,
    samples,
    deadLetters,
    stop: async () => {
      await lifecycle.stopAll(2_000);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}
