// End to end through the real broker: simulator -> MQTT -> ingestion -> kiln.raw.v1 -> normalization ->
// PostgreSQL. Every sample the simulated factory produced for the mapped signals is in the telemetry table exactly
// once, although normalization is stopped in the middle of the stream and a new instance takes over.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, type EventBus } from '@kiln/bus';
import { ingestionSectionSchema } from '@kiln/ingestion';
import { startIngestion } from '@kiln/ingestion/testing';
import { createMetricsRegistry } from '@kiln/service-kit';
import { parseSimulatorConfig, startSimulator, type SignalName } from '@kiln/simulator';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { testLifecycle } from './support/lifecycle';
import { testLogger } from './support/logger';
import { PIPELINE_TOPICS, startPipeline, type RunningPipeline } from './support/pipeline';

/** Simulator signal -> model signal: the measurements the test plant maps. */
const MAPPED: Partial<Record<SignalName, string>> = {
  temperature: 'temperature',
  vibration: 'vibration',
  motorCurrent: 'motor-current',
};

function plantYaml(enterprise: string, machines: number): string {
  const assets = Array.from(
    { length: machines },
    (_, i) => `              - id: machine-${i + 1}
                signals:
                  - { name: temperature, unit: Cel }
                  - { name: vibration, unit: mm/s }
                  - { name: motor-current, unit: A }`,
  ).join('\n');
  const rules = Object.entries(MAPPED)
    .map(
      ([raw, signal]) => `  - source: mqtt/*
    tag: '{line}/{machine}/${raw}'
    asset: ${enterprise}/plant-1/assembly/{line}/{machine}
    signal: ${signal}`,
    )
    .join('\n');
  return `enterprise: { id: ${enterprise} }
sites:
  - id: plant-1
    areas:
      - id: assembly
        lines:
          - id: line-1
            assets:
${assets}
mappings:
${rules}
`;
}

describeWith(['kafka', 'postgres', 'mqtt'], 'simulator to database through the real broker', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('stores every sample of the mapped signals exactly once across a restart of normalization', async () => {
    const enterprise = uniqueName('e2e');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-chain-'));
    const plantFile = join(dir, 'plant.yaml');
    writeFileSync(plantFile, plantYaml(enterprise, 2));
    const newBus = (name: string): EventBus =>
      new KafkaBus({
        brokers: serviceEndpoints().kafkaBrokers,
        clientId: uniqueName(name),
        service: name,
        drainTimeoutMs: 200,
      });

    // Normalization first, reading only what is published from now on (kiln.raw.v1 is shared).
    const groupId = uniqueName('chain-normalization');
    const startNormalizing = async (startFrom: 'earliest' | 'latest'): Promise<RunningPipeline> => {
      const bus = newBus('normalization');
      const pipeline = await startPipeline({
        bus,
        db: database.db,
        schema: database.schema,
        hotState: new MemoryHotState(),
        plantFile,
        // The simulated clock runs ahead of the real one (10 minutes in a few seconds): trust its source times.
        section: { groupId, startFrom, maxBatchSize: 5, maxClockSkewMs: 3_600_000 },
      });
      pipeline.lifecycle.add({ name: 'bus', stop: () => bus.close() });
      await waitUntil(() => pipeline.normalization.isReady(), {
        timeoutMs: 60_000,
        what: 'normalization to join',
      });
      return pipeline;
    };
    const setupBus = newBus('setup');
    await setupBus.provision(PIPELINE_TOPICS);
    await setupBus.close();
    let normalization = await startNormalizing('latest');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // "latest" is resolved at the first fetch

    // Ingestion reading the simulator's MQTT JSON messages.
    const mqttTopic = uniqueName('chain');
    const ingestionLifecycle = testLifecycle();
    const ingestionBus = newBus('ingestion');
    ingestionLifecycle.add({ name: 'bus', stop: () => ingestionBus.close() });
    await startIngestion(
      ingestionLifecycle,
      ingestionSectionSchema.parse({
        buffer: { directory: join(dir, 'buffer') },
        batching: { lingerMs: 20 },
        connectors: [
          {
            kind: 'mqtt',
            id: enterprise,
            url: serviceEndpoints().mqttUrl,
            qos: 1,
            subscriptions: [
              {
                topic: `${mqttTopic}/+line/+machine/+signal`,
                tag: '{line}/{machine}/{signal}',
                valuePointer: '/value',
                timestampPointer: '/timestamp',
              },
            ],
          },
        ],
      }),
      { bus: ingestionBus, logger: testLogger(), registry: createMetricsRegistry({ service: 'ingestion' }) },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the connector subscribes

    const simulator = await startSimulator(
      parseSimulatorConfig({
        seed: 11,
        plant: { enterprise, area: 'assembly', lines: 1, machinesPerLine: 2 },
        opcua: { enabled: false },
        modbus: { enabled: false },
        mqtt: {
          enabled: true,
          url: serviceEndpoints().mqttUrl,
          json: {
            topicTemplate: `${mqttTopic}/{line}/{machine}/{signal}`,
            qos: 1,
            timestampFormat: 'epochMs',
          },
          sparkplug: { enabled: false },
        },
      }),
      { manualClock: true },
    );
    const expected = new Set<string>();
    simulator.plant.onChange((change) => {
      const signal = MAPPED[change.signal];
      if (signal !== undefined) expected.add(`${change.assetId}/${signal}@${change.sourceTimeMs}`);
    });
    const stored = (): Promise<number> => database.count(`SELECT count(*) AS n FROM $schema.telemetry`);

    try {
      // 10 simulated minutes in 100 steps of 6 s; normalization is stopped after the first half and replaced.
      for (let step = 0; step < 100; step += 1) {
        simulator.plant.advance(6_000);
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (step === 50) {
          await waitUntil(async () => (await stored()) > 0, { timeoutMs: 60_000, what: 'the first rows' });
          await normalization.lifecycle.stopAll(0);
          normalization = await startNormalizing('latest');
        }
      }
      await simulator.mqttJson?.flush();
      await waitUntil(async () => (await stored()) >= expected.size, {
        timeoutMs: 120_000,
        what: 'every mapped sample in the telemetry table',
        describe: () => `expected ${expected.size}`,
      });
      const rows = await database.db.query<{ asset_id: string; name: string; time_ms: string }>(
        `SELECT s.asset_id, s.name, (extract(epoch FROM t.time) * 1000)::bigint AS time_ms
           FROM "${database.schema}".telemetry t JOIN "${database.schema}".signals s ON s.id = t.signal_id`,
      );
      const actual = rows.rows.map((row) => `${row.asset_id}/${row.name}@${row.time_ms}`);
      expect(new Set(actual).size).toBe(actual.length);
      expect(new Set(actual)).toEqual(expected);
      expect(expected.size).toBeGreaterThan(1_000);
    } finally {
      await simulator.stop();
      await ingestionLifecycle.stopAll();
      await normalization.lifecycle.stopAll();
    }
  }, 300_000);
});
