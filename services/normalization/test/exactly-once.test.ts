// Exactly once into the tables under replays: a consumer stopped mid-stream and started again, and a batch that
// fails after its rows were written, leave every sample stored once and the counters adding up.
import { InProcessBus } from '@kiln/bus';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MemoryHotState, type Database, type Queryable } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { PIPELINE_TOPICS, publishRaw, startPipeline } from './support/pipeline';
import { testPlant } from './support/plant';
import { expectExactlyOnce, ROWS_PER_TICK, ticks } from './support/ticks';

const RECORDS = 400;

describeWith(['postgres'], 'exactly once into the historian', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await testDatabase();
  });

  afterEach(async () => {
    await database.drop();
  });

  it('leaves no gap and no duplicate when the consumer is stopped mid-stream and started again', async () => {
    const bus = new InProcessBus({ service: 'normalization-test', drainTimeoutMs: 50 });
    await bus.provision(PIPELINE_TOPICS);
    const plant = testPlant();
    const options = {
      bus,
      db: database.db,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      section: { maxBatchSize: 7 },
    };
    await publishRaw(bus, ticks(plant, 0, RECORDS));
    const first = await startPipeline(options);
    await waitUntil(async () => (await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)) > 200, {
      timeoutMs: 20_000,
      what: 'the first consumer to be mid-stream',
    });
    await first.lifecycle.stopAll(0);
    const stoppedAt = await database.count(`SELECT count(*) AS n FROM $schema.telemetry`);
    expect(stoppedAt).toBeLessThan(ROWS_PER_TICK * RECORDS);

    const second = await startPipeline(options);
    await waitUntil(
      async () =>
        (await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)) === ROWS_PER_TICK * RECORDS,
      { timeoutMs: 30_000, what: 'every row after the restart' },
    );
    await second.lifecycle.stopAll();
    await bus.close();
    await expectExactlyOnce(database, plant, RECORDS);
  });

  it('replays a batch that failed after its rows were written without counting anything twice', async () => {
    const bus = new InProcessBus({ service: 'normalization-test', drainTimeoutMs: 1_000 });
    await bus.provision(PIPELINE_TOPICS);
    const plant = testPlant();
    let failures = 0;
    // The third save of the normalizer state fails: rows, events and hot state of that batch are already done.
    const flaky = failingOn(database.db, (sql) => {
      if (!sql.includes('normalizer_state') || !sql.startsWith('INSERT')) return false;
      failures += 1;
      return failures === 3;
    });
    const pipeline = await startPipeline({
      bus,
      db: flaky,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      section: { maxBatchSize: 5, rollupRefresh: { enabled: true, intervalMs: 100 } },
    });
    await publishRaw(bus, ticks(plant, 0, 60));
    await waitUntil(
      async () =>
        (await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)) === ROWS_PER_TICK * 60,
      {
        timeoutMs: 20_000,
        what: 'every row',
      },
    );
    await waitUntil(
      async () => (await database.count(`SELECT count(*) AS n FROM $schema.rollup_refresh_pending`)) === 0,
      {
        timeoutMs: 10_000,
        what: 'the rollup refresh',
      },
    );
    await pipeline.lifecycle.stopAll();
    await bus.close();
    expect(failures).toBeGreaterThan(3);
    await expectExactlyOnce(database, plant, 60);
    // The plain-PostgreSQL rollups were recomputed over what was written: one minute holds all 60 samples.
    const { rows } = await database.db.query<{ samples: string }>(
      `SELECT sum(sample_count) AS samples FROM "${database.schema}".telemetry_1m`,
    );
    expect(Number(rows[0]?.samples)).toBe(ROWS_PER_TICK * 60);
  });
});

/** The database with statements matching `fails` throwing, as a dropped connection would. */
function failingOn(db: Database, fails: (sql: string) => boolean): Database {
  const guard = (target: Queryable): Queryable => ({
    query: (sql, params) => {
      if (fails(sql.trim())) return Promise.reject(new Error('connection terminated unexpectedly'));
      return target.query(sql, params);
    },
    execute: (sql) => target.execute(sql),
  });
  const direct = guard(db);
  return {
    engine: db.engine,
    query: direct.query,
    execute: direct.execute,
    transaction: (work) => db.transaction((tx) => work(guard(tx))),
    close: () => db.close(),
  };
}
