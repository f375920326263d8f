// Hot state in Redis, with the embedded database (PGlite with TimescaleDB) behind it: the configuration of a
// plant that runs Kiln on one machine but keeps dashboards on Redis.
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { describeWith, serviceEndpoints, waitUntil } from '@kiln/test-infra';
import { Redis } from 'ioredis';
import { openDatabase, type OpenedDatabase } from '@kiln/timeseries';
import { openHotState, type OpenedHotState } from '@kiln/timeseries';
import { databaseConfigSchema } from '../src/config';
import { PIPELINE_TOPICS, publishRaw, startPipeline } from './support/pipeline';
import { rawBatch, SECOND_US, T0_US, testPlant, tickSamples } from './support/plant';

describeWith(['redis'], 'hot state in Redis over the embedded database', () => {
  const keyPrefix = `kiln-test-${randomBytes(4).toString('hex')}:`;
  let database: OpenedDatabase;
  let hot: OpenedHotState;

  beforeAll(async () => {
    database = await openDatabase(databaseConfigSchema.parse({}), 'normalization-test');
    hot = openHotState({ url: serviceEndpoints().redisUrl, keyPrefix });
  }, 60_000);

  afterAll(async () => {
    await hot.hotState.close();
    await database.db.close();
    const redis = new Redis(serviceEndpoints().redisUrl);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('writes the last value per signal and the state per asset with its start time', async () => {
    const bus = new InProcessBus({ service: 'normalization-test' });
    await bus.provision(PIPELINE_TOPICS);
    const plant = testPlant();
    const pipeline = await startPipeline({
      bus,
      db: database.db,
      schema: 'kiln',
      hotState: hot.hotState,
      plantFile: plant.file,
    });
    await publishRaw(
      bus,
      Array.from({ length: 8 }, (_, i) => rawBatch(plant, tickSamples(i, T0_US + i * SECOND_US))),
    );
    const m1 = plant.assetId('m1');
    await waitUntil(
      async () =>
        (await hot.hotState.getAssetState(m1))?.state === 'RUNNING' &&
        (await hot.hotState.getLastValue(m1, 'temperature'))?.timeUs === T0_US + 7 * SECOND_US,
      {
        timeoutMs: 20_000,
        what: 'the hot state of the last tick',
      },
    );
    expect(await hot.hotState.getAssetState(m1)).toEqual({
      assetId: m1,
      state: 'RUNNING',
      sinceUs: T0_US + 7 * SECOND_US,
      reasonCode: '',
      reasonText: '',
    });
    expect(await hot.hotState.getLastValues(m1)).toEqual([
      expect.objectContaining({ signal: 'parts-total', value: 1000 + 3 * 7 }),
      expect.objectContaining({ signal: 'temperature', value: 20.07 }),
    ]);
    const { rows } = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kiln.telemetry');
    expect(rows[0]?.n).toBe(4 * 8);
    await pipeline.lifecycle.stopAll();
    await bus.close();
  }, 60_000);
});
