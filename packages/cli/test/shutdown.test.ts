// SIGTERM during a batch commits nothing half-done: a real service process (the service kit's lifecycle around
// a Kafka consumer) is stopped in the middle of a batch; afterwards the group's committed position is either
// before the whole batch or after it, never inside it.
import { join } from 'node:path';
import { KafkaBus, type EventBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { exitWithin, run, type RunningProcess } from './support';

const FIXTURE = join(__dirname, 'fixtures/slow-consumer.cjs');
const BATCH = 10;

describeWith(['kafka'], 'SIGTERM during a batch', () => {
  const brokers = serviceEndpoints().kafkaBrokers;
  let bus: EventBus;
  beforeEach(() => {
    bus = new KafkaBus({
      brokers,
      clientId: uniqueName('shutdown-test'),
      service: 'shutdown-test',
      heartbeatIntervalMs: 500,
    });
  });
  afterEach(async () => {
    await bus.close();
  });

  async function startMidBatch(
    recordMs: number,
    drainMs: number,
  ): Promise<{ topic: string; group: string; consumer: RunningProcess }> {
    const topic = uniqueName('test.shutdown');
    const group = uniqueName('shutdown');
    await bus.provision([{ ...topics.telemetry, name: topic, partitions: 1 }, topics.dlq]);
    const consumer = run(FIXTURE, [], {
      BROKERS: brokers.join(','),
      TOPIC: topic,
      GROUP: group,
      RECORD_MS: String(recordMs),
      DRAIN_MS: String(drainMs),
    });
    await waitUntil(() => consumer.events().some((e) => e['event'] === 'ready'), {
      timeoutMs: 60_000,
      what: 'the consumer process to own its partition',
      describe: () => consumer.stderr().slice(-2_000),
    });
    await bus.publish(
      topic,
      Array.from({ length: BATCH }, (_, seq) => ({
        key: 'press-04',
        value: Buffer.from(JSON.stringify({ seq })),
      })),
    );
    // Two records into the batch: its effects are half done when the signal arrives.
    await waitUntil(() => handled(consumer).length >= 2, {
      timeoutMs: 30_000,
      what: 'the batch to be under way',
    });
    consumer.child.kill('SIGTERM');
    return { topic, group, consumer };
  }

  /** What a new member of the group is handed: everything after the group's committed position. */
  async function redelivered(topic: string, group: string, marker: number): Promise<number[]> {
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      groupId: group,
      topics: [topic],
      handler: async (batch) => {
        seen.push(
          ...batch.records.map(
            (record) => (JSON.parse(Buffer.from(record.value).toString('utf8')) as { seq: number }).seq,
          ),
        );
      },
    });
    await bus.publish(topic, [{ key: 'press-04', value: Buffer.from(JSON.stringify({ seq: marker })) }]);
    await waitUntil(() => seen.includes(marker), {
      timeoutMs: 60_000,
      what: 'the marker record',
      describe: () => JSON.stringify(seen),
    });
    await subscription.close();
    return seen;
  }

  it('aborts a batch that outlasts the drain deadline and commits none of it', async () => {
    // Ten records of 500 ms: the batch needs 5 s, the drain deadline is 1 s.
    const { topic, group, consumer } = await startMidBatch(500, 1_000);
    const { code } = await exitWithin(consumer, 10_000);
    expect(code).toBe(0);
    const done = handled(consumer);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(BATCH);
    // Nothing of the batch was committed: the next member gets all of it again, from the first record.
    expect(await redelivered(topic, group, 999)).toEqual([
      ...Array.from({ length: BATCH }, (_, seq) => seq),
      999,
    ]);
  });

  it('lets a batch that fits the drain deadline finish and commits all of it', async () => {
    // Ten records of 150 ms: the batch needs 1.5 s, the drain deadline is 8 s.
    const { topic, group, consumer } = await startMidBatch(150, 8_000);
    const { code } = await exitWithin(consumer, 10_000);
    expect(code).toBe(0);
    expect(handled(consumer)).toEqual(Array.from({ length: BATCH }, (_, seq) => seq));
    expect(await redelivered(topic, group, 999)).toEqual([999]);
  });
});

function handled(consumer: RunningProcess): number[] {
  return consumer
    .events()
    .flatMap((e) => (e['event'] === 'handled' && typeof e['seq'] === 'number' ? [e['seq']] : []));
}
