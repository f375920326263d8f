// Starts the OEE service in process, as main.ts does, over a bus and database the test chose.
import type { EventBus } from '@kiln/bus';
import { MemoryLiveOee, oeeSectionSchema, type OeeSection } from '@kiln/oee-store';
import { createMetricsRegistry, type Registry } from '@kiln/service-kit';
import type { Database } from '@kiln/timeseries';
import { OEE_SERVICE_TOPICS, startOee, type OeeService } from '../../src/oee-service';
import type { FixtureEvent } from './fixture';
import { testLifecycle, type TestLifecycle } from './lifecycle';
import { testLogger } from './logger';

export const OEE_TOPICS = OEE_SERVICE_TOPICS;

export interface RunningOee {
  readonly service: OeeService;
  readonly lifecycle: TestLifecycle;
  readonly registry: Registry;
  readonly live: MemoryLiveOee;
  /** Events the service stored so far (all topics). */
  handled(): Promise<number>;
}

export async function startService(options: {
  bus: EventBus;
  db: Database;
  schema: string;
  now: () => number;
  section?: Partial<OeeSection>;
}): Promise<RunningOee> {
  const lifecycle = testLifecycle();
  const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
  const live = new MemoryLiveOee();
  const section = {
    ...oeeSectionSchema.parse({ settings: { default: { defaultIdealCycleTimeS: 1 } } }),
    ...options.section,
  };
  const service = await startOee(lifecycle, section, {
    bus: options.bus,
    logger: testLogger(),
    registry,
    db: options.db,
    schema: options.schema,
    live,
    now: options.now,
  });
  return {
    service,
    lifecycle,
    registry,
    live,
    handled: async () => {
      const metric = registry.getSingleMetric('kiln_oee_events_total');
      if (metric === undefined) return 0;
      return (await metric.get()).values.reduce((sum, value) => sum + value.value, 0);
    },
  };
}

export async function publishAll(bus: EventBus, events: readonly FixtureEvent[]): Promise<void> {
  for (const event of events) await bus.publish(event.topic, [event.encoded]);
}
