// A restart of the process that brings a new bus along. An in-process bus starts empty, its offsets from 0
// again, while the database keeps the offsets saved under the bus before: none of them may hide a new record,
// and the restored counter baselines carry the deltas on. A bus whose log outlives the restart (Kafka) hands
// the old records out again at their old offsets: those are still skipped where the first batch proves it is the
// same log, and handled again (harmlessly) where it cannot.
import { InProcessBus, type EventBus, type SubscribeOptions } from '@kiln/bus';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MemoryHotState } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { PIPELINE_TOPICS, publishRaw, startPipeline, type RunningPipeline } from './support/pipeline';
import { testPlant, type TestPlant } from './support/plant';
import { expectExactlyOnce, ROWS_PER_TICK, ticks } from './support/ticks';

const BEFORE_RESTART = 60;
const AFTER_RESTART = 40;

/** The sum of a counter's values in a pipeline's registry. */
async function counter(pipeline: RunningPipeline, name: string): Promise<number> {
  const metric = await pipeline.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

/** The bus under another log id: as a Kafka bus would, it names the log the bus before it wrote. */
function withLogId(bus: EventBus, logId: string): EventBus {
  return {
    kind: bus.kind,
    describeLog: async (topic, partition) => ({ ...(await bus.describeLog(topic, partition)), logId }),
    provision: (specs) => bus.provision(specs),
    publish: (topic, records) => bus.publish(topic, records),
    subscribe: <T>(options: SubscribeOptions<T>) => bus.subscribe(options),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

describeWith(['postgres'], 'normalization across a restart with a new bus', () => {
  let database: TestDatabase;
  let plant: TestPlant;
  const telemetryRows = (): Promise<number> => database.count(`SELECT count(*) AS n FROM $schema.telemetry`);

  beforeEach(async () => {
    database = await testDatabase();
    plant = testPlant('restart');
  });

  afterEach(async () => {
    await database.drop();
  });

  const start = (bus: EventBus, maxBatchSize = 7): Promise<RunningPipeline> =>
    startPipeline({
      bus,
      db: database.db,
      schema: database.schema,
      hotState: new MemoryHotState(),
      plantFile: plant.file,
      section: { maxBatchSize },
    });

  /** A bus of its own runs the first `BEFORE_RESTART` ticks through normalization, then stops with it. */
  async function runUntilRestart(wrap: (bus: EventBus) => EventBus): Promise<void> {
    const bus = new InProcessBus({ service: 'normalization-test' });
    await bus.provision(PIPELINE_TOPICS);
    const pipeline = await start(wrap(bus));
    await publishRaw(bus, ticks(plant, 0, BEFORE_RESTART));
    await waitUntil(async () => (await telemetryRows()) === ROWS_PER_TICK * BEFORE_RESTART, {
      timeoutMs: 20_000,
      what: 'every row before the restart',
    });
    await pipeline.lifecycle.stopAll();
    await bus.close();
  }

  it('stores every sample published after a restart over a new in-process bus, whose offsets start at 0 again', async () => {
    await runUntilRestart((bus) => bus);

    const bus = new InProcessBus({ service: 'normalization-test' });
    await bus.provision(PIPELINE_TOPICS);
    const pipeline = await start(bus);
    // One source, one partition: these land at offsets 0 to 39, all at or below the offset saved before.
    await publishRaw(bus, ticks(plant, BEFORE_RESTART, BEFORE_RESTART + AFTER_RESTART));
    await waitUntil(
      async () => (await telemetryRows()) === ROWS_PER_TICK * (BEFORE_RESTART + AFTER_RESTART),
      { timeoutMs: 20_000, what: 'every row published after the restart' },
    );
    await pipeline.lifecycle.stopAll();
    await bus.close();

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    // The baselines survived: the first tick after the restart is a delta, not a new baseline or a reset.
    expect(await counter(pipeline, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE_RESTART + AFTER_RESTART);
  });

  /** Runs the first ticks under a durable log id, then the whole log again (old records and new) under it. */
  async function replayDurableLog(maxBatchSize: number): Promise<RunningPipeline> {
    const durableLog = 'durable-test-log';
    await runUntilRestart((bus) => withLogId(bus, durableLog));

    // The log as a durable bus keeps it: the same records at the same offsets, then new ones.
    const bus = new InProcessBus({ service: 'normalization-test' });
    await bus.provision(PIPELINE_TOPICS);
    await publishRaw(bus, ticks(plant, 0, BEFORE_RESTART + AFTER_RESTART));
    // A group that reads the whole log again, as one whose committed offsets lag behind the saved state.
    const pipeline = await start(withLogId(bus, durableLog), maxBatchSize);
    await waitUntil(
      async () => (await telemetryRows()) === ROWS_PER_TICK * (BEFORE_RESTART + AFTER_RESTART),
      { timeoutMs: 20_000, what: 'every row published after the restart' },
    );
    await pipeline.lifecycle.stopAll();
    await bus.close();
    return pipeline;
  }

  it('still skips records redelivered at or below the saved offset when the first batch proves the log the same', async () => {
    // The first batch reaches the saved offset (59) and finds there the record handled before.
    const pipeline = await replayDurableLog(100);

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(BEFORE_RESTART);
    expect(await counter(pipeline, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE_RESTART + AFTER_RESTART);
  });

  it('handles the records again, storing each sample once, when the first batch ends before the saved offset', async () => {
    // Batches of 7 from offset 0: nothing shows that offset 59 still names the record handled there.
    const pipeline = await replayDurableLog(7);

    expect(await counter(pipeline, 'kiln_normalization_replay_skipped_records_total')).toBe(0);
    // Older readings move no counter baseline: no reset, no count twice.
    expect(await counter(pipeline, 'kiln_normalization_counter_resets_total')).toBe(0);
    await expectExactlyOnce(database, plant, BEFORE_RESTART + AFTER_RESTART);
  });
});
