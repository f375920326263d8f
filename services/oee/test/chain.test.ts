// The whole chain through the real broker: a simulated line (simulator with a manual clock) works an 8 h shift ->
// MQTT -> ingestion -> kiln.raw.v1 -> normalization -> kiln.machine-state.v1 / kiln.production-count.v1 -> the OEE
// service. Every window the service stored equals the core recomputed from the states and counts stored in the
// database, over the same range, to 1e-9.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, type EventBus } from '@kiln/bus';
import { machineStateFromJSON, OeeWindowKind, topics } from '@kiln/contracts';
import { ingestionSectionSchema } from '@kiln/ingestion';
import { startIngestion } from '@kiln/ingestion/testing';
import { normalizationSectionSchema } from '@kiln/normalization';
import { startNormalization } from '@kiln/normalization/testing';
import { computeOee, type CountDelta, type ShiftSpan, type StateChange } from '@kiln/oee';
import { createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { parseSimulatorConfig, startSimulator, type SimulatorHandle } from '@kiln/simulator';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { expectSameAsCore } from './support/compare';
import { testDatabase, type TestDatabase } from './support/db';
import { ConsumerLag } from './support/lag';
import { testLogger } from './support/logger';
import { startService, type RunningOee } from './support/service';

const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;
/** Monday 2026-03-02; the simulation starts ten minutes before the early shift and ends ten minutes after it. */
const DAY_MS = Date.UTC(2026, 2, 2);
const SIM_START_MS = DAY_MS + 5 * HOUR_MS + 50 * MIN_MS;
const SIM_END_MS = DAY_MS + 14 * HOUR_MS + 10 * MIN_MS;
const SHIFT: ShiftSpan = {
  shiftId: 'early',
  startUs: (DAY_MS + 6 * HOUR_MS) * 1000,
  endUs: (DAY_MS + 14 * HOUR_MS) * 1000,
  breaks: [
    { startUs: (DAY_MS + 9 * HOUR_MS) * 1000, endUs: (DAY_MS + 9 * HOUR_MS + 15 * MIN_MS) * 1000 },
    { startUs: (DAY_MS + 11.5 * HOUR_MS) * 1000, endUs: (DAY_MS + 12 * HOUR_MS) * 1000 },
  ],
};
const IDEAL_CYCLE_TIME_S = 10;
const MICRO_STOP_THRESHOLD_S = 60;

/** The calendar of the plant: the early shift on weekdays, with the same breaks the simulated line stops for. */
const CALENDAR_YAML = `calendars:
  - shifts:
      - name: early
        start: '06:00'
        end: '14:00'
        breaks: [{ start: '09:00', end: '09:15' }, { start: '11:30', end: '12:00' }]
`;

function plantYaml(enterprise: string): string {
  const signals = `
                signals:
                  - { name: state, type: integer }
                  - { name: parts-total, unit: '{count}', type: integer }
                  - { name: parts-reject, unit: '{count}', type: integer }
                  - { name: order-number, type: string }`;
  const rule = (raw: string, signal: string, extra: string): string => `  - source: mqtt/*
    tag: '{line}/{machine}/${raw}'
    asset: ${enterprise}/plant-1/assembly/{line}/{machine}
    signal: ${signal}
${extra}`;
  return `enterprise: { id: ${enterprise} }
sites:
  - id: plant-1
    areas:
      - id: assembly
        lines:
          - id: line-1
            assets:
              - id: machine-1${signals}
              - id: machine-2${signals}
mappings:
${rule(
  'state',
  'state',
  `    role: machine-state
    states: { 1: RUNNING, 2: IDLE, 3: STARVED, 4: BLOCKED, 5: CHANGEOVER, 6: BREAKDOWN, 7: PLANNED_STOP }
    unknownState: { state: UNKNOWN_STOP }`,
)}
${rule('totalCount', 'parts-total', '    role: total-counter\n    counter: { rollover: 65536 }')}
${rule('rejectCount', 'parts-reject', '    role: reject-counter\n    counter: { rollover: 65536 }')}
${rule('orderNumber', 'order-number', '    role: order-number')}
`;
}

/** The states and counts normalization stored for an asset, as the core's inputs. */
async function storedInputs(
  database: TestDatabase,
  assetId: string,
): Promise<{ states: StateChange[]; counts: CountDelta[] }> {
  const s = `"${database.schema}"`;
  const states = await database.db.query<{
    time_us: string;
    state: string;
    reason_code: string;
    reason_text: string;
  }>(
    `SELECT (extract(epoch FROM time) * 1000000)::bigint AS time_us, state, reason_code, reason_text
       FROM ${s}.machine_states WHERE asset_id = $1 ORDER BY time`,
    [assetId],
  );
  const counts = await database.db.query<{
    time_us: string;
    interval_start_us: string | null;
    total_count: number;
    good_count: number;
    scrap_count: number;
    order_id: string;
  }>(
    `SELECT (extract(epoch FROM time) * 1000000)::bigint AS time_us,
            (extract(epoch FROM interval_start) * 1000000)::bigint AS interval_start_us,
            total_count, good_count, scrap_count, order_id
       FROM ${s}.production_counts WHERE asset_id = $1 ORDER BY time`,
    [assetId],
  );
  return {
    states: states.rows.map((row) => ({
      startUs: Number(row.time_us),
      state: machineStateFromJSON(`MACHINE_STATE_${row.state}`),
      reasonCode: row.reason_code,
      reasonText: row.reason_text,
    })),
    counts: counts.rows.map((row) => ({
      timeUs: Number(row.time_us),
      ...(row.interval_start_us === null ? {} : { fromUs: Number(row.interval_start_us) }),
      totalCount: row.total_count,
      goodCount: row.good_count,
      scrapCount: row.scrap_count,
      ...(row.order_id === '' ? {} : { orderId: row.order_id }),
    })),
  };
}

describeWith(['kafka', 'postgres', 'mqtt'], 'simulated line to OEE through the real broker', () => {
  let database: TestDatabase;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await database.drop();
  });

  it('stores every window of a simulated shift equal to the core over the stored states and counts', async () => {
    const enterprise = uniqueName('oee-chain');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-oee-chain-'));
    writeFileSync(join(dir, 'plant.yaml'), plantYaml(enterprise));
    writeFileSync(join(dir, 'shifts.yaml'), CALENDAR_YAML);
    const newBus = (name: string): EventBus => {
      const bus = new KafkaBus({
        brokers: serviceEndpoints().kafkaBrokers,
        clientId: uniqueName(name),
        service: name,
        drainTimeoutMs: 500,
      });
      stops.push(() => bus.close());
      return bus;
    };
    const lag = new ConsumerLag(serviceEndpoints().kafkaBrokers);
    stops.push(() => lag.close());
    await newBus('setup').provision([
      topics.raw,
      topics.telemetry,
      topics.machineState,
      topics.productionCount,
      topics.erpOrder,
      topics.erpShift,
      topics.oee,
      topics.dlq,
    ]);

    // The simulated clock drives the OEE service's "now", so windows close as the shift goes by.
    const simulation: { handle?: SimulatorHandle } = {};
    const simulatedNow = (): number => simulation.handle?.plant.nowMs ?? SIM_START_MS;

    // OEE and normalization first, each reading what is published from now on (the topics are shared).
    const oeeGroup = uniqueName('chain-oee');
    const oee: RunningOee = await startService({
      bus: newBus('oee'),
      db: database.db,
      schema: database.schema,
      now: simulatedNow,
      section: {
        groupId: oeeGroup,
        startFrom: 'latest',
        calendarFile: join(dir, 'shifts.yaml'),
        settings: {
          default: {
            defaultIdealCycleTimeS: IDEAL_CYCLE_TIME_S,
            microStopThresholdS: MICRO_STOP_THRESHOLD_S,
          },
          assets: {},
        },
      },
    });
    stops.push(() => oee.lifecycle.stopAll());
    const normalizationGroup = uniqueName('chain-normalization');
    const normalizationLifecycle = manualLifecycle();
    stops.push(() => normalizationLifecycle.stopAll());
    const normalization = await startNormalization(
      normalizationLifecycle,
      {
        ...normalizationSectionSchema.parse({ plantFile: join(dir, 'plant.yaml') }),
        groupId: normalizationGroup,
        startFrom: 'latest',
        // The simulated day lies in the past and runs hours ahead within seconds: trust its source times.
        maxClockSkewMs: 400 * 24 * HOUR_MS,
      },
      {
        bus: newBus('normalization'),
        logger: testLogger(),
        registry: createMetricsRegistry({ service: 'normalization', processMetrics: false }),
        db: database.db,
        schema: database.schema,
        hotState: new MemoryHotState(),
      },
    );
    await waitUntil(() => oee.service.isReady() && normalization.isReady(), {
      timeoutMs: 60_000,
      what: 'normalization and OEE to join and find their start offsets',
    });
    await lag.baseline(oeeGroup, [topics.machineState.name, topics.productionCount.name]);
    await lag.baseline(normalizationGroup, [topics.raw.name]);

    // Ingestion reading the simulator's MQTT JSON messages.
    const mqttTopic = uniqueName('oee-chain');
    const ingestionLifecycle = manualLifecycle();
    stops.push(() => ingestionLifecycle.stopAll());
    const ingestionRegistry = createMetricsRegistry({ service: 'ingestion', processMetrics: false });
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
      { bus: newBus('ingestion'), logger: testLogger(), registry: ingestionRegistry },
    );
    await waitUntil(
      async () => {
        const up = await ingestionRegistry.getSingleMetric('kiln_ingestion_connector_up')?.get();
        return (up?.values ?? []).some((value) => value.value === 1);
      },
      { timeoutMs: 30_000, what: 'the MQTT connector to connect' },
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // its subscription is acknowledged

    const running = await startSimulator(
      parseSimulatorConfig({
        seed: 7,
        startTime: new Date(SIM_START_MS).toISOString(),
        plant: {
          enterprise,
          area: 'assembly',
          lines: 1,
          machinesPerLine: 2,
          idealCycleTimeS: IDEAL_CYCLE_TIME_S,
          // Condition signals are not what this test is about: few of them.
          sampleIntervalMs: 30 * MIN_MS,
          counters: { publishEvery: 5 },
          breakdowns: { mtbfH: 3 },
          plannedStops: [
            { startUtc: '09:00', durationMin: 15 },
            { startUtc: '11:30', durationMin: 30 },
          ],
        },
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
    simulation.handle = running;
    stops.push(() => running.stop());
    let published = 0;
    const assets = new Set<string>();
    const stateChanges = new Map<string, number>();
    running.plant.onChange((change) => {
      published += 1;
      assets.add(change.assetId);
      if (change.signal === 'state')
        stateChanges.set(change.assetId, (stateChanges.get(change.assetId) ?? 0) + 1);
    });

    // The shift, a simulated minute at a time.
    while (running.plant.nowMs < SIM_END_MS) {
      running.plant.advance(MIN_MS);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await running.mqttJson?.flush();
    const samplesPublished = async (): Promise<number> => {
      const metric = await ingestionRegistry.getSingleMetric('kiln_ingestion_samples_published_total')?.get();
      return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
    };
    await waitUntil(async () => (await samplesPublished()) >= published, {
      timeoutMs: 120_000,
      what: 'ingestion to publish every simulated sample',
      describe: () => `simulator published ${published}`,
    });
    await waitUntil(async () => (await lag.of(normalizationGroup)) === 0, {
      timeoutMs: 120_000,
      what: 'normalization to catch up',
    });
    await waitUntil(async () => (await lag.of(oeeGroup)) === 0, {
      timeoutMs: 180_000,
      what: 'the OEE service to catch up',
    });
    await oee.service.closeDueWindows();

    expect([...assets].sort()).toEqual([
      `${enterprise}/plant-1/assembly/line-1/machine-1`,
      `${enterprise}/plant-1/assembly/line-1/machine-2`,
    ]);
    for (const assetId of assets) {
      const inputs = await storedInputs(database, assetId);
      // What normalization stored is the simulated shift: its state changes and a count of parts made.
      expect(inputs.states.length).toBeGreaterThanOrEqual(stateChanges.get(assetId) ?? 0);
      expect(inputs.states.length).toBeGreaterThan(10);
      expect(inputs.counts.reduce((sum, count) => sum + count.totalCount, 0)).toBeGreaterThan(1_000);

      const results = await oee.service.store.results(assetId);
      const kinds = results.map((result) => result.windowKind);
      expect(kinds.filter((kind) => kind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT)).toHaveLength(1);
      expect(
        kinds.filter((kind) => kind === OeeWindowKind.OEE_WINDOW_KIND_HOUR).length,
      ).toBeGreaterThanOrEqual(8);
      for (const result of results) {
        const reference = computeOee({
          range: { fromUs: result.windowStartUs, toUs: result.windowEndUs },
          states: inputs.states,
          counts: inputs.counts,
          orders: [],
          shifts: [SHIFT],
          settings: {
            defaultIdealCycleTimeS: IDEAL_CYCLE_TIME_S,
            microStopThresholdS: MICRO_STOP_THRESHOLD_S,
          },
        });
        expectSameAsCore(result, reference);
      }
      const shift = results.find((result) => result.windowKind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT);
      expect(shift?.windowStartUs).toBe(SHIFT.startUs);
      expect(shift?.plannedBusyTimeS).toBe(8 * 3600 - 45 * 60);
      expect(shift?.oee).toBeGreaterThan(0.2);
      expect(shift?.oee).toBeLessThan(1);
    }
  }, 600_000);
});
