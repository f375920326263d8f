// The consumer end to end over the in-process bus and a real PostgreSQL: rows, events, hot state, unmapped tags,
// dead letters and a plant reload.
import { writeFileSync } from 'node:fs';
import { InProcessBus, type BusRecord } from '@kiln/bus';
import {
  decodeEvent,
  eventTopics,
  MachineState,
  topics,
  type MachineStateEvent,
  type ProductionCountBatch,
  type TelemetryBatch,
} from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import {
  collect,
  PIPELINE_TOPICS,
  publishRaw,
  startPipeline,
  type RunningPipeline,
} from './support/pipeline';
import {
  num,
  rawBatch,
  sample,
  SECOND_US,
  str,
  T0_US,
  testPlant,
  tickSamples,
  type TestPlant,
} from './support/plant';

const TICKS = 10;

describeWith(['postgres'], 'normalization over the in-process bus', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let hotState: MemoryHotState;
  let plant: TestPlant;
  let pipeline: RunningPipeline;
  const received: Record<'telemetry' | 'states' | 'counts' | 'dlq', BusRecord[]> = {
    telemetry: [],
    states: [],
    counts: [],
    dlq: [],
  };

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'normalization-test', drainTimeoutMs: 1_000 });
    await bus.provision(PIPELINE_TOPICS);
    hotState = new MemoryHotState();
    plant = testPlant();
    received.telemetry = await collect(bus, topics.telemetry.name, 'watch-telemetry');
    received.states = await collect(bus, topics.machineState.name, 'watch-states');
    received.counts = await collect(bus, topics.productionCount.name, 'watch-counts');
    received.dlq = await collect(bus, topics.dlq.name, 'watch-dlq');
    pipeline = await startPipeline({
      bus,
      db: database.db,
      schema: database.schema,
      hotState,
      plantFile: plant.file,
    });

    const batches = Array.from({ length: TICKS }, (_, i) => {
      const timeUs = T0_US + i * SECOND_US;
      const extra = [sample('M1.Vibration', num(i), timeUs)];
      if (i === 0) extra.push(sample('M1.Order', str('A-1'), timeUs));
      if (i === 3) extra.push(sample('M1.Order', str('A-2'), timeUs));
      return rawBatch(plant, [...tickSamples(i, timeUs), ...extra]);
    });
    await publishRaw(bus, batches.slice(0, 5));
    // Bytes that are no RawSampleBatch, between good records of the same source (so the same partition).
    await bus.publish(topics.raw.name, [{ key: plant.sourceId, value: Uint8Array.from([0, 1, 2, 3]) }]);
    await publishRaw(bus, batches.slice(5));
    await waitUntil(
      async () =>
        (await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)) === 4 * TICKS + 2 &&
        received.dlq.length === 1,
      { timeoutMs: 20_000, what: 'every telemetry row and the dead letter' },
    );
  });

  afterAll(async () => {
    await pipeline.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  const signalRows = (assetId: string, signal: string): Promise<number> =>
    database.count(
      `SELECT count(*) AS n FROM $schema.telemetry t JOIN $schema.signals s ON s.id = t.signal_id
        WHERE s.asset_id = $1 AND s.name = $2`,
      [assetId, signal],
    );

  it('stores the plant assets and signals at start', async () => {
    expect(
      await database.count(`SELECT count(*) AS n FROM $schema.assets WHERE id LIKE $1`, [
        `${plant.enterprise}%`,
      ]),
    ).toBe(
      6, // enterprise, site, area, line, two machines
    );
    const { rows } = await database.db.query<{ unit: string; data_type: string }>(
      `SELECT unit, data_type FROM "${database.schema}".signals WHERE asset_id = $1 AND name = 'temperature'`,
      [plant.assetId('m1')],
    );
    expect(rows).toEqual([{ unit: 'Cel', data_type: 'number' }]);
  });

  it('writes one telemetry row per sample of a mapped signal', async () => {
    expect(await signalRows(plant.assetId('m1'), 'temperature')).toBe(TICKS);
    expect(await signalRows(plant.assetId('m1'), 'parts-total')).toBe(TICKS);
    expect(await signalRows(plant.assetId('m1'), 'order-number')).toBe(2);
    expect(await signalRows(plant.assetId('m2'), 'temperature')).toBe(TICKS);
  });

  it('stores machine-state changes only, with their start time and reason', async () => {
    const { rows } = await database.db.query<{ state: string; reason_code: string; t: number }>(
      `SELECT state, reason_code, (extract(epoch from time) * 1000000)::float8 AS t
         FROM "${database.schema}".machine_states WHERE asset_id = $1 ORDER BY time`,
      [plant.assetId('m1')],
    );
    expect(rows.map((row) => [row.state, row.reason_code, Number(row.t)])).toEqual([
      ['RUNNING', '', T0_US],
      ['BREAKDOWN', 'E-JAM', T0_US + 6 * SECOND_US],
      ['RUNNING', '', T0_US + 7 * SECOND_US],
    ]);
    expect(
      await database.count(`SELECT count(*) AS n FROM $schema.machine_states WHERE asset_id = $1`, [
        plant.assetId('m2'),
      ]),
    ).toBe(1);
  });

  it('stores production-count deltas that add up to the counters', async () => {
    const { rows } = await database.db.query<{ total: number; good: number; scrap: number; orders: string }>(
      `SELECT sum(total_count) AS total, sum(good_count) AS good, sum(scrap_count) AS scrap,
              string_agg(DISTINCT order_id, ',' ORDER BY order_id) AS orders
         FROM "${database.schema}".production_counts WHERE asset_id = $1`,
      [plant.assetId('m1')],
    );
    const scrap = Math.floor((3 * (TICKS - 1)) / 10);
    expect(rows[0]).toEqual({
      total: 3 * (TICKS - 1),
      good: 3 * (TICKS - 1) - scrap,
      scrap,
      orders: 'A-1,A-2',
    });
  });

  it('publishes telemetry, state changes and count deltas keyed by asset id', async () => {
    await waitUntil(() => received.states.length === 4, { timeoutMs: 5_000, what: 'four state changes' });
    const telemetry = received.telemetry.map(
      (r) => decodeEvent(eventTopics.telemetry, r.value, r.headers) as TelemetryBatch,
    );
    expect(telemetry.reduce((sum, batch) => sum + batch.points.length, 0)).toBe(4 * TICKS + 2);
    for (const record of received.telemetry) expect(record.key.startsWith(`${plant.enterprise}/`)).toBe(true);
    const states = received.states.map(
      (r) => decodeEvent(eventTopics.machineState, r.value, r.headers) as MachineStateEvent,
    );
    const m1 = states.filter((event) => event.assetId === plant.assetId('m1'));
    expect(
      m1.map((event) => (event.event?.$case === 'change' ? event.event.value.state : undefined)),
    ).toEqual([
      MachineState.MACHINE_STATE_RUNNING,
      MachineState.MACHINE_STATE_BREAKDOWN,
      MachineState.MACHINE_STATE_RUNNING,
    ]);
    const counts = received.counts.map(
      (r) => decodeEvent(eventTopics.productionCount, r.value, r.headers) as ProductionCountBatch,
    );
    const m2Total = counts
      .filter((batch) => batch.assetId === plant.assetId('m2'))
      .flatMap((batch) => batch.deltas)
      .reduce((sum, delta) => sum + delta.totalCount, 0);
    expect(m2Total).toBe(2 * (TICKS - 1));
    expect(
      received.counts.every(
        (record) => record.key === plant.assetId('m1') || record.key === plant.assetId('m2'),
      ),
    ).toBe(true);
  });

  it('keeps the last value of every signal and the current state of every asset in hot state', async () => {
    const last = await hotState.getLastValue(plant.assetId('m1'), 'temperature');
    expect(last).toMatchObject({ timeUs: T0_US + (TICKS - 1) * SECOND_US, value: 20 + (TICKS - 1) / 100 });
    expect(await hotState.getLastValue(plant.assetId('m1'), 'order-number')).toMatchObject({
      valueText: 'A-2',
    });
    expect(await hotState.getAssetState(plant.assetId('m1'))).toMatchObject({
      state: 'RUNNING',
      sinceUs: T0_US + 7 * SECOND_US,
    });
  });

  it('counts and lists an unmapped tag', async () => {
    expect(pipeline.normalization.unmapped()).toEqual([
      expect.objectContaining({
        sourceId: plant.sourceId,
        tag: 'M1.Vibration',
        reason: 'no-rule',
        count: TICKS,
      }),
    ]);
    const metrics = await pipeline.registry.getSingleMetricAsString('kiln_normalization_unmapped_tags');
    expect(metrics).toContain('kiln_normalization_unmapped_tags{service="normalization"} 1');
    expect(pipeline.normalization.stats()).toMatchObject({ unmapped: TICKS });
  });

  it('dead-letters a record that does not decode and goes on with the rest', async () => {
    const [dead] = received.dlq;
    expect(dead?.key).toBe(plant.sourceId);
    expect(dead?.headers['kiln-dlq-source-topic']).toBe(topics.raw.name);
    expect(dead?.headers['kiln-dlq-error']).toContain('cannot decode');
    expect(await signalRows(plant.assetId('m1'), 'temperature')).toBe(TICKS);
  });

  it('dead-letters a batch holding a NUL the database would refuse, and stores the batches after it', async () => {
    const timeUs = T0_US + 50 * SECOND_US;
    const before = await signalRows(plant.assetId('m1'), 'temperature');
    await publishRaw(bus, [
      rawBatch(plant, [sample('M1.Order', str('A-\u00003'), timeUs), ...tickSamples(50, timeUs)]),
      rawBatch(plant, tickSamples(51, timeUs + SECOND_US)),
    ]);
    await waitUntil(
      async () =>
        received.dlq.length === 2 && (await signalRows(plant.assetId('m1'), 'temperature')) === before + 1,
      { timeoutMs: 20_000, what: 'the NUL batch dead-lettered and the next one stored' },
    );
    expect(received.dlq[1]?.headers['kiln-dlq-error']).toMatch(/samples\[0\]\.value.*U\+0000/);
  });

  it('applies a changed plant file without a restart', async () => {
    writeFileSync(plant.file, plant.yaml({ withM3: true }));
    expect(await pipeline.normalization.reload()).toEqual({ status: 'applied' });
    expect(
      await database.count(`SELECT count(*) AS n FROM $schema.assets WHERE id = $1`, [plant.assetId('m3')]),
    ).toBe(1);
    const timeUs = T0_US + 100 * SECOND_US;
    await publishRaw(bus, [rawBatch(plant, [sample('M3.Temp', num(55), timeUs)])]);
    await waitUntil(async () => (await signalRows(plant.assetId('m3'), 'temperature')) === 1, {
      timeoutMs: 10_000,
      what: 'the new machine telemetry',
    });
  });
});
