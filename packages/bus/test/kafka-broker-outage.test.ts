// The Kafka bus through a broker outage, on a broker of the test's own that is stopped and started again: the
// readiness ping fails while the broker is away and answers again by itself after, a publish begun during the
// outage completes once the broker is back, and the subscription resumes where it was: nothing lost.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWith,
  freeBrokerPort,
  ownBroker,
  uniqueName,
  waitUntil,
  type OwnBroker,
} from '@kiln/test-infra';
import { KafkaBus } from '../src';
import { decode, encode, provisionTopic, SERVICE } from './contract/harness';

const answers = (bus: KafkaBus): Promise<boolean> =>
  bus.ping().then(
    () => true,
    () => false,
  );

describeWith(['kafka'], 'the Kafka bus through a broker outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-broker-outage-'));
  let broker: OwnBroker;
  let bus: KafkaBus | undefined;

  beforeAll(async () => {
    broker = ownBroker({ port: await freeBrokerPort(), dir });
    await broker.start();
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await broker.stop();
  }, 60_000);

  it('resumes its subscription and completes a publish begun during the outage, losing nothing', async () => {
    const events: string[] = [];
    bus = new KafkaBus({
      brokers: broker.brokers,
      clientId: uniqueName('outage'),
      service: SERVICE,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (_fields: object, message: string) => void events.push(`warn ${message}`),
        error: (_fields: object, message: string) => void events.push(`error ${message}`),
      },
    });
    const topic = uniqueName('test.outage');
    await provisionTopic(bus, topic, 2);
    const received = new Set<number>();
    let duplicates = 0;
    const subscription = await bus.subscribe({
      groupId: uniqueName('outage-group'),
      topics: [topic],
      handler: async (batch) => {
        for (const record of batch.records) {
          const { seq } = decode(record);
          if (received.has(seq)) duplicates += 1;
          received.add(seq);
        }
      },
    });
    const publishRange = (from: number, to: number): Promise<void> =>
      bus?.publish(
        topic,
        Array.from({ length: to - from }, (_, i) =>
          encode({ key: `asset-${(from + i) % 7}`, seq: from + i }),
        ),
      ) ?? Promise.reject(new Error('no bus'));
    const allReceived = (count: number, what: string): Promise<void> =>
      waitUntil(() => received.size === count, {
        timeoutMs: 45_000,
        what,
        describe: () => `${received.size} of ${count} received`,
      });

    await waitUntil(() => subscription.isReady(), { timeoutMs: 30_000, what: 'group membership' });
    await publishRange(0, 100);
    await allReceived(100, 'the records published before the outage');
    expect(await answers(bus)).toBe(true);

    await broker.stop();
    // The member is not ready while it cannot reach its group (kafkajs crashes it and restarts it).
    let sawNotReady = false;
    const watch = setInterval(() => (sawNotReady ||= !subscription.isReady()), 100);
    expect(await answers(bus)).toBe(false);
    let publishedDuringOutage = false;
    const blocked = publishRange(100, 200).then(() => {
      publishedDuringOutage = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(publishedDuringOutage).toBe(false);

    await broker.start();
    clearInterval(watch);
    expect(sawNotReady).toBe(true);
    await blocked;
    await waitUntil(() => answers(bus as KafkaBus), { timeoutMs: 15_000, what: 'the ping to answer again' });
    await publishRange(200, 300);
    await allReceived(300, 'every record, published before, during and after the outage');
    await waitUntil(() => subscription.isReady(), {
      timeoutMs: 30_000,
      what: 'the member to be ready again',
    });

    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // At-least-once: a batch handled before the outage but not yet committed may come again; never more.
    expect(duplicates).toBeLessThanOrEqual(100);
    expect(events.filter((event) => event.startsWith('error'))).toEqual([]);
    // kafkajs reports every connection attempt of every client; the log says each distinct line once per 30 s.
    const times = new Map<string, number>();
    for (const line of events.filter((event) => event.startsWith('warn')))
      times.set(line, (times.get(line) ?? 0) + 1);
    expect([...times].filter(([, count]) => count > 3)).toEqual([]);
  }, 120_000);
});
