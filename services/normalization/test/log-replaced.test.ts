// The Kafka log replaced under normalization: a broker of the test's own handles the first ticks, then its data
// directory is deleted and a fresh broker (a new cluster, empty logs, no group offsets) starts on the same port, or
// a cold backup of the directory is put back (the same cluster, a shorter log). The offsets saved beside the
// normalizer state name records of a log that is gone; none of them may hide a sample sent afterwards.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@kiln/bus';
import {
  describeWith,
  freeBrokerPort,
  ownBroker,
  uniqueName,
  waitUntil,
  type OwnBroker,
} from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { PIPELINE_TOPICS, publishRaw, startPipeline, type RunningPipeline } from './support/pipeline';
import { testPlant, type TestPlant } from './support/plant';
import { expectExactlyOnce, ROWS_PER_TICK, ticks } from './support/ticks';

const BEFORE = 60;

async function counter(pipeline: RunningPipeline, name: string): Promise<number> {
  const metric = await pipeline.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

describeWith(['kafka', 'postgres'], 'normalization when the Kafka log is replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-log-replaced-'));
  let broker: OwnBroker;
  let database: TestDatabase;
  let plant: TestPlant;
  const opened: KafkaBus[] = [];

  beforeAll(async () => {
    broker = ownBroker({ port: await freeBrokerPort(), dir });
    await broker.start();
  }, 120_000);

  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  beforeEach(async () => {
    database = await testDatabase();
    plant = testPlant('replaced');
  });

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((bus) => bus.close()));
    await database.drop();
  });

  const telemetryRows = (): Promise<number> => database.count(`SELECT count(*) AS n FROM $schema.telemetry`);

  async function openBus(): Promise<KafkaBus> {
    const bus = new KafkaBus({
      brokers: broker.brokers,
      clientId: uniqueName('log-replaced'),
      service: 'normalization',
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      drainTimeoutMs: 500,
    });
    opened.push(bus);
    await bus.provision(PIPELINE_TOPICS);
    return bus;
  }

  const start = (bus: KafkaBus, groupId: string): Promise<RunningPipeline> =>
    startPipeline({
      bus,
      db: database.db,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      section: { groupId },
    });

  /** The first `BEFORE` ticks through normalization (one source: one partition, offsets 0 to 59), then a stop. */
  async function handleFirstTicks(groupId: string): Promise<void> {
    const bus = await openBus();
    const pipeline = await start(bus, groupId);
    await publishRaw(bus, ticks(plant, 0, BEFORE));
    await waitUntil(async () => (await telemetryRows()) === ROWS_PER_TICK * BEFORE, {
      timeoutMs: 60_000,
      what: 'every row before the log is replaced',
    });
    await pipeline.lifecycle.stopAll();
    await bus.close();
  }

  async function replaceBrokerData(): Promise<void> {
    await broker.stop();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    await broker.start();
  }

  /** Sends `after` ticks into the new log, starts normalization again, and waits for every row. */
  async function sendIntoNewLog(groupId: string, after: number): Promise<RunningPipeline> {
    const bus = await openBus();
    await publishRaw(bus, ticks(plant, BEFORE, BEFORE + after));
    const pipeline = await start(bus, groupId);
    let rows = 0;
    let skipped = 0;
    await waitUntil(
      async () => {
        rows = await telemetryRows();
        skipped = await counter(pipeline, 'kiln_normalization_replay_skipped_records_total');
        return rows === ROWS_PER_TICK * (BEFORE + after);
      },
      {
        timeoutMs: 60_000,
        what: 'every row sent after the log was replaced',
        describe: () =>
          `${(rows - ROWS_PER_TICK * BEFORE) / ROWS_PER_TICK} of ${after} new ticks stored, ` +
          `${skipped} records skipped as already handled`,
      },
    );
    await pipeline.lifecycle.stopAll();
    return pipeline;
  }

  it('stores every sample sent after the broker data was replaced, at offsets below the saved one', async () => {
    const groupId = uniqueName('normalization-replaced');
    await handleFirstTicks(groupId);
    await replaceBrokerData();

    // Offsets 0 to 39 of the new log: all at or below the offset 59 saved from the old one.
    const pipeline = await sendIntoNewLog(groupId, 40);

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    // The restored baselines carry on: the first tick of the new log is a delta, not a reset.
    expect(await counter(pipeline, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE + 40);
  }, 240_000);

  it('stores every sample sent after the broker data was replaced, when the new log already reaches past the saved offset', async () => {
    const groupId = uniqueName('normalization-replaced');
    await handleFirstTicks(groupId);
    await replaceBrokerData();

    // Offsets 0 to 99: the new log holds a record at the saved offset 59, another one than was handled there.
    const pipeline = await sendIntoNewLog(groupId, 100);

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    expect(await counter(pipeline, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE + 100);
  }, 240_000);

  it('stores every sample sent after a restore from a backup of the same cluster, whose log reaches past the saved offset again', async () => {
    const groupId = uniqueName('normalization-restored');
    const backup = join(dir, 'backup');
    // A cluster of its own, whatever the tests before left in the broker: its raw log holds only what this test
    // sends, so the offsets below are the ones the comments name.
    await replaceBrokerData();
    // A cold backup of the cluster while its raw log held 30 records and no offsets of this group.
    const early = await openBus();
    await publishRaw(early, ticks(plant, 0, 30));
    await early.close();
    await broker.stop();
    rmSync(backup, { recursive: true, force: true });
    cpSync(join(dir, 'data'), backup, { recursive: true });
    await broker.start();

    const bus = await openBus();
    const pipeline = await start(bus, groupId);
    await publishRaw(bus, ticks(plant, 30, BEFORE));
    await waitUntil(async () => (await telemetryRows()) === ROWS_PER_TICK * BEFORE, {
      timeoutMs: 60_000,
      what: 'every row before the restore',
    });
    await pipeline.lifecycle.stopAll();
    await bus.close();

    await broker.stop();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    cpSync(backup, join(dir, 'data'), { recursive: true });
    await broker.start();
    // The same cluster id; offsets 30 to 129 are new records, 30 to 59 at or below the offset saved before.
    const restored = await sendIntoNewLog(groupId, 100);

    expect(await counter(restored, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    expect(await counter(restored, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE + 100);
  }, 300_000);

  it('stores every sample sent after the broker data was replaced under a normalization that kept running', async () => {
    const groupId = uniqueName('normalization-replaced');
    const bus = await openBus();
    const pipeline = await start(bus, groupId);
    await publishRaw(bus, ticks(plant, 0, BEFORE));
    await waitUntil(async () => (await telemetryRows()) === ROWS_PER_TICK * BEFORE, {
      timeoutMs: 60_000,
      what: 'every row before the log is replaced',
    });

    await replaceBrokerData();
    // A producer provisions the topics on the new cluster, as ingestion does when it starts.
    const producer = await openBus();
    await publishRaw(producer, ticks(plant, BEFORE, BEFORE + 40));
    let rows = 0;
    await waitUntil(
      async () => {
        rows = await telemetryRows();
        return rows === ROWS_PER_TICK * (BEFORE + 40);
      },
      {
        timeoutMs: 120_000,
        what: 'every row sent after the log was replaced',
        describe: () => `${(rows - ROWS_PER_TICK * BEFORE) / ROWS_PER_TICK} of 40 new ticks stored`,
      },
    );
    await pipeline.lifecycle.stopAll();

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE + 40);
  }, 300_000);
});
