// Starts the maintenance service in process, as main.ts does, over a bus and database the test chose.
import type { EventBus } from '@kiln/bus';
import {
  createLogger,
  createMetricsRegistry,
  manualLifecycle,
  type ManualLifecycle,
  type Registry,
} from '@kiln/service-kit';
import type { Database } from '@kiln/timeseries';
import { maintenanceSectionSchema, type MaintenanceSection } from '../../src/config';
import { startMaintenance, type MaintenanceService } from '../../src/maintenance-service';

export interface RunningMaintenance {
  readonly service: MaintenanceService;
  readonly lifecycle: ManualLifecycle;
  readonly registry: Registry;
  /** Samples the service scored so far. */
  scored(): Promise<number>;
}

export async function startService(options: {
  bus: EventBus;
  db: Database;
  schema: string;
  section?: Partial<MaintenanceSection>;
}): Promise<RunningMaintenance> {
  const lifecycle = manualLifecycle();
  const registry = createMetricsRegistry({ service: 'maintenance', processMetrics: false });
  const level = process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent';
  const service = await startMaintenance(
    lifecycle,
    { ...maintenanceSectionSchema.parse({}), ...options.section },
    {
      bus: options.bus,
      logger: createLogger({ service: 'maintenance-test', level }),
      registry,
      db: options.db,
      schema: options.schema,
    },
  );
  return {
    service,
    lifecycle,
    registry,
    scored: async () => {
      const metric = registry.getSingleMetric('kiln_maintenance_samples_total');
      if (metric === undefined) return 0;
      return (await metric.get()).values.reduce((sum, value) => sum + value.value, 0);
    },
  };
}
