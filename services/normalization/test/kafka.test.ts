// Through the real broker: a consumer stopped mid-stream and a new one in its place store every sample exactly
// once. kiln.raw.v1 is shared with other suites: the group, the plant's enterprise and source ids are this
// run's own, and rows are read from a schema of its own.
import { KafkaBus } from '@kiln/bus';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { PIPELINE_TOPICS, publishRaw, startPipeline } from './support/pipeline';
import { rawBatch, SECOND_US, T0_US, testPlant, tickSamples } from './support/plant';

const RECORDS = 600;
const ROWS_PER_TICK = 4;

describeWith(['kafka', 'postgres'], 'normalization through Kafka', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await testDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stores every sample once across a stop mid-stream and a restart', async () => {
    const plant = testPlant('kafka');
    const groupId = uniqueName('normalization-test');
    const newBus = (): KafkaBus =>
      new KafkaBus({
        brokers: serviceEndpoints().kafkaBrokers,
        clientId: uniqueName('normalization-test'),
        service: 'normalization',
        drainTimeoutMs: 200,
      });
    const options = {
      db: database.db,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      section: { groupId, maxBatchSize: 5 },
    };
    const telemetryRows = (): Promise<number> =>
      database.count(`SELECT count(*) AS n FROM $schema.telemetry`);

    const firstBus = newBus();
    await firstBus.provision(PIPELINE_TOPICS);
    // The shared topic may hold much of other runs: this group starts at its end, once it has joined.
    const first = await startPipeline({
      ...options,
      bus: firstBus,
      section: { ...options.section, startFrom: 'latest' },
    });
    await waitUntil(() => first.normalization.isReady(), {
      timeoutMs: 30_000,
      what: 'the group to be joined',
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // "latest" is resolved on the first fetch
    await publishRaw(
      firstBus,
      Array.from({ length: RECORDS }, (_, i) => rawBatch(plant, tickSamples(i, T0_US + i * SECOND_US))),
    );
    await waitUntil(async () => (await telemetryRows()) > 100, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the first consumer to be mid-stream',
    });
    await first.lifecycle.stopAll(0);
    await firstBus.close();
    expect(await telemetryRows()).toBeLessThan(ROWS_PER_TICK * RECORDS);

    const secondBus = newBus();
    const second = await startPipeline({ ...options, bus: secondBus });
    await waitUntil(async () => (await telemetryRows()) === ROWS_PER_TICK * RECORDS, {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: 'every row after the restart',
    });
    await second.lifecycle.stopAll();
    await secondBus.close();

    const { rows } = await database.db.query<{ asset_id: string; total: number }>(
      `SELECT asset_id, sum(total_count) AS total FROM "${database.schema}".production_counts
        GROUP BY asset_id ORDER BY asset_id`,
    );
    expect(rows.map((row) => [row.asset_id, Number(row.total)])).toEqual([
      [plant.assetId('m1'), 3 * (RECORDS - 1)],
      [plant.assetId('m2'), 2 * (RECORDS - 1)],
    ]);
  }, 180_000);
});
