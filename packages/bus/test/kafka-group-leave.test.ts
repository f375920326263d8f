// A restarted service must not wait for its old consumer's Kafka session to time out: closing a subscription leaves
// the group at once, so the group is empty the moment close() resolves and the next member takes every partition
// in its first rebalance. A member that vanishes without leaving (kill -9) holds its partitions for one session
// timeout, 10 s by default (docs/events.md); heartbeats go on while a batch runs, so a slow batch does not.
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBus, type Subscription } from '../src';
import { decode, encode, provisionTopic, SERVICE } from './contract/harness';

const PARTITIONS = 4;

describeWith(['kafka'], 'the Kafka bus in its consumer group', () => {
  let admin: Admin;
  const buses: KafkaBus[] = [];

  beforeAll(async () => {
    admin = new Kafka({ brokers: serviceEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
  });

  const openBus = (): KafkaBus => {
    // The session timeout is left at its default: what a service runs with.
    const bus = new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName('group-leave'),
      service: SERVICE,
      maxWaitTimeMs: 100,
    });
    buses.push(bus);
    return bus;
  };

  const members = async (groupId: string): Promise<number> => {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.members.length ?? 0;
  };

  it('leaves the group when a subscription closes, so the next member gets the partitions without waiting', async () => {
    const topic = uniqueName('test.group-leave');
    const groupId = uniqueName('group-leave');
    const first = openBus();
    await provisionTopic(first, topic, PARTITIONS);
    const seen = new Set<number>();
    const subscribe = (bus: KafkaBus): Promise<Subscription> =>
      bus.subscribe({
        groupId,
        topics: [topic],
        handler: async (batch) => {
          for (const record of batch.records) seen.add(decode(record).seq);
        },
      });

    const before = await subscribe(first);
    await waitUntil(() => before.isReady() && before.assignments().length === PARTITIONS, {
      timeoutMs: 60_000,
      what: 'the first member to own every partition',
    });
    expect(await members(groupId)).toBe(1);

    await before.close();
    // Without a LeaveGroup the broker would list the member until its session timed out.
    expect(await members(groupId)).toBe(0);

    const second = openBus();
    const after = await subscribe(second);
    await waitUntil(() => after.isReady() && after.assignments().length === PARTITIONS, {
      timeoutMs: 60_000,
      what: 'the next member to own every partition',
    });
    await second.publish(
      topic,
      Array.from({ length: 20 }, (_, seq) => encode({ key: `asset-${seq % 5}`, seq })),
    );
    await waitUntil(() => seen.size === 20, {
      timeoutMs: 30_000,
      what: 'the records to reach the next member',
    });
  }, 120_000);

  it('keeps its partitions through a batch that runs longer than the session timeout', async () => {
    const topic = uniqueName('test.group-leave');
    const groupId = uniqueName('group-slow');
    const bus = new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName('group-slow'),
      service: SERVICE,
      maxWaitTimeMs: 100,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
    });
    buses.push(bus);
    await provisionTopic(bus, topic, 1);
    const handled: number[] = [];
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (batch) => {
        // Twice the session timeout in one batch, as a database outage retried inside the handler would take.
        if (handled.length === 0) await new Promise((resolve) => setTimeout(resolve, 12_000));
        for (const record of batch.records) handled.push(decode(record).seq);
      },
    });
    await waitUntil(() => subscription.isReady(), { timeoutMs: 60_000, what: 'group membership' });
    const { groups } = await admin.describeGroups([groupId]);
    const memberId = groups[0]?.members[0]?.memberId;
    await bus.publish(topic, [encode({ key: 'k', seq: 0 })]);
    await waitUntil(() => handled.includes(0), { timeoutMs: 30_000, what: 'the slow batch to finish' });
    await bus.publish(topic, [encode({ key: 'k', seq: 1 })]);
    await waitUntil(() => handled.includes(1), { timeoutMs: 30_000, what: 'the next batch' });

    // The same member, never expired: the slow batch was handled and committed once.
    const after = await admin.describeGroups([groupId]);
    expect(after.groups[0]?.members.map((member) => member.memberId)).toEqual([memberId]);
    expect(handled).toEqual([0, 1]);
  }, 120_000);
});
