// Ingestion started in process against the shared Kafka, as the acceptance tests drive it: its own
// store-and-forward directory, its own metrics registry, and one `stop()` for everything it started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, type Registry } from '@kiln/service-kit';
import { serviceEndpoints, uniqueName } from '@kiln/test-infra';
import type { z } from 'zod';
import { ingestionSectionSchema } from '../../src/config';
import type { ConnectorState } from '../../src/connectors/types';
import { startIngestion, type Ingestion } from '../../src/ingestion';
import { testLifecycle } from './lifecycle';

export type ConnectorConfigInput = NonNullable<z.input<typeof ingestionSectionSchema>['connectors']>[number];

export interface IngestionInProcess {
  readonly ingestion: Ingestion;
  readonly registry: Registry;
  /** The current state of a connector, as readiness shows it. */
  stateOf(connectorId: string): ConnectorState | undefined;
  /** Stops the connectors, drains the buffer to Kafka (up to 5 s) and closes the bus. */
  stop(): Promise<void>;
}

/** Source times of the simulated plant's fixed day (2025-03-03) are older than the live default window. */
export const REPLAYED_DAY_SAMPLES = { maxSourceTimeAgeMs: 10 * 366 * 24 * 3600 * 1000 } as const;

export async function startIngestionInProcess(
  name: string,
  connectors: readonly ConnectorConfigInput[],
  samples: z.input<typeof ingestionSectionSchema>['samples'] = {},
): Promise<IngestionInProcess> {
  const directory = mkdtempSync(join(tmpdir(), `kiln-${name}-`));
  const section = ingestionSectionSchema.parse({
    buffer: { directory: join(directory, 'buffer'), fsync: 'never' },
    batching: { lingerMs: 20 },
    samples,
    connectors,
  });
  const lifecycle = testLifecycle();
  const bus = new KafkaBus({
    brokers: serviceEndpoints().kafkaBrokers,
    clientId: uniqueName(name),
    service: 'ingestion',
  });
  lifecycle.add({ name: 'bus', stop: () => bus.close() });
  // Shared topics: created here only where a fresh broker lacks them (CI), never altered.
  await bus.provision([topics.raw, topics.dlq]);
  const registry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
  const logger = createLogger({
    service: name,
    level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'error',
  });
  let ingestion: Ingestion;
  try {
    ingestion = await startIngestion(lifecycle, section, { bus, logger, registry });
  } catch (error) {
    await lifecycle.stopAll(1_000);
    throw error;
  }
  return {
    ingestion,
    registry,
    stateOf: (connectorId) => ingestion.status().find((status) => status.id === connectorId)?.state,
    stop: async () => {
      await lifecycle.stopAll(5_000);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The values of a counter by label set, read from the registry as Prometheus would scrape them. */
export async function counterValues(
  registry: Registry,
  name: string,
): Promise<{ labels: Partial<Record<string, string | number>>; value: number }[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  const collected = await metric.get();
  return collected.values.map((entry) => ({ labels: entry.labels, value: entry.value }));
}

/** Records every state a connector goes through (polled, so a state held for less than `intervalMs` may be missed). */
export function recordStates(
  running: IngestionInProcess,
  connectorId: string,
  intervalMs = 20,
): { readonly states: ConnectorState[]; stop(): void } {
  const states: ConnectorState[] = [];
  const poll = (): void => {
    const state = running.stateOf(connectorId);
    if (state !== undefined && states[states.length - 1] !== state) states.push(state);
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return { states, stop: () => clearInterval(timer) };
}
