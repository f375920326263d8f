// Starts the normalization consumer in process, as main.ts does, over a bus and database the test chose.
import { type EventBus, type BusRecord } from '@kiln/bus';
import { encodeEvent, eventTopics, topics, type RawSampleBatch } from '@kiln/contracts';
import { createMetricsRegistry, type Registry } from '@kiln/service-kit';
import type { Database, HotState } from '@kiln/timeseries';
import { normalizationSectionSchema, type NormalizationSection } from '../../src/config';
import { startNormalization, type Normalization } from '../../src/normalization';
import { testLifecycle, type TestLifecycle } from './lifecycle';
import { testLogger } from './logger';

export const PIPELINE_TOPICS = [
  topics.raw,
  topics.telemetry,
  topics.machineState,
  topics.productionCount,
  topics.dlq,
];

export interface RunningPipeline {
  readonly normalization: Normalization;
  readonly lifecycle: TestLifecycle;
  readonly registry: Registry;
}

export async function startPipeline(options: {
  bus: EventBus;
  db: Database;
  schema: string;
  hotState: HotState;
  plantFile: string;
  section?: Partial<NormalizationSection>;
}): Promise<RunningPipeline> {
  const lifecycle = testLifecycle();
  const registry = createMetricsRegistry({ service: 'normalization', processMetrics: false });
  const section = {
    ...normalizationSectionSchema.parse({ plantFile: options.plantFile }),
    ...options.section,
  };
  const normalization = await startNormalization(lifecycle, section, {
    bus: options.bus,
    logger: testLogger(),
    registry,
    db: options.db,
    schema: options.schema,
    hotState: options.hotState,
  });
  return { normalization, lifecycle, registry };
}

export async function publishRaw(bus: EventBus, batches: readonly RawSampleBatch[]): Promise<void> {
  await bus.publish(
    topics.raw.name,
    batches.map((batch) => encodeEvent(eventTopics.raw, batch)),
  );
}

/** Collects every record of a topic read by a group of its own. */
export async function collect(bus: EventBus, topic: string, groupId: string): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  await bus.subscribe({
    groupId,
    topics: [topic],
    handler: async (batch) => {
      records.push(...batch.records);
    },
  });
  return records;
}
