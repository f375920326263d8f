// Contract: delivery, order, groups, batching and back-pressure controls.
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { EventBus } from '../../src';
import {
  decode,
  encode,
  freshTopic,
  joined,
  publishInBatches,
  type BusHarness,
  type TestEvent,
} from './harness';

export function deliveryContract(harness: BusHarness): void {
  let bus: EventBus;
  beforeEach(async () => {
    bus = await harness.createBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  it('delivers every record of a key in order, with key, value and headers intact', async () => {
    const topic = await freshTopic(bus, 4);
    const seen: TestEvent[] = [];
    const headersSeen: Record<string, string>[] = [];
    await bus.subscribe({
      groupId: uniqueName('order'),
      topics: [topic],
      handler: async (batch) => {
        for (const record of batch.records) {
          const event = decode(record);
          expect(record.key).toBe(event.key);
          expect(record.topic).toBe(topic);
          seen.push(event);
          headersSeen.push(record.headers);
        }
      },
    });
    const events = Array.from({ length: 2_000 }, (_, i) => ({
      key: `asset-${i % 7}`,
      seq: Math.floor(i / 7),
    }));
    await bus.publish(
      topic,
      events.map((event) => encode(event, { 'x-origin': 'contract' })),
    );
    await waitUntil(() => seen.length >= events.length, { timeoutMs: 30_000, what: 'all records' });
    expect(seen).toHaveLength(events.length);
    for (let key = 0; key < 7; key += 1) {
      const seqs = seen.filter((e) => e.key === `asset-${key}`).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(headersSeen.every((headers) => headers['x-origin'] === 'contract')).toBe(true);
  });

  it('gives every record to each consumer group', async () => {
    const topic = await freshTopic(bus, 3);
    const counts = new Map<string, number>();
    const groups = [uniqueName('group-a'), uniqueName('group-b')];
    for (const groupId of groups) {
      await bus.subscribe({
        groupId,
        topics: [topic],
        handler: async (batch) => {
          counts.set(groupId, (counts.get(groupId) ?? 0) + batch.records.length);
        },
      });
    }
    const events = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 10}`, seq: i }));
    await publishInBatches(bus, topic, events, 100);
    await waitUntil(() => groups.every((g) => (counts.get(g) ?? 0) >= 300), {
      timeoutMs: 30_000,
      what: 'both groups to get every record',
      describe: () => JSON.stringify([...counts]),
    });
    expect(groups.map((g) => counts.get(g))).toEqual([300, 300]);
  });

  it('never hands a handler more than maxBatchSize records, all from one partition', async () => {
    const topic = await freshTopic(bus, 2);
    const sizes: number[] = [];
    let total = 0;
    await bus.subscribe({
      groupId: uniqueName('batch-size'),
      topics: [topic],
      maxBatchSize: 7,
      handler: async (batch) => {
        sizes.push(batch.records.length);
        expect(new Set(batch.records.map((r) => r.partition))).toEqual(new Set([batch.partition]));
        total += batch.records.length;
      },
    });
    await bus.publish(
      topic,
      Array.from({ length: 200 }, (_, i) => encode({ key: `k${i % 3}`, seq: i })),
    );
    await waitUntil(() => total >= 200, { timeoutMs: 30_000, what: '200 records' });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
  });

  it('starts no batch while paused and delivers everything after resume', async () => {
    const topic = await freshTopic(bus, 2);
    let handled = 0;
    const subscription = await bus.subscribe({
      groupId: uniqueName('pause'),
      topics: [topic],
      handler: async (batch) => {
        handled += batch.records.length;
      },
    });
    await joined(subscription, harness);
    subscription.pause();
    expect(subscription.isPaused()).toBe(true);
    await bus.publish(
      topic,
      Array.from({ length: 50 }, (_, i) => encode({ key: `k${i % 5}`, seq: i })),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(handled).toBe(0);
    subscription.resume();
    await waitUntil(() => handled >= 50, { timeoutMs: 30_000, what: 'records after resume' });
    expect(handled).toBe(50);
  });

  it('commits handled batches: a later member of the group starts after them', async () => {
    const topic = await freshTopic(bus, 2);
    const groupId = uniqueName('commit');
    let first = 0;
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (batch) => {
        first += batch.records.length;
      },
    });
    await bus.publish(
      topic,
      Array.from({ length: 40 }, (_, i) => encode({ key: `k${i % 4}`, seq: i })),
    );
    await waitUntil(() => first >= 40, { timeoutMs: 30_000, what: 'first member to handle 40' });
    await subscription.close();
    const later: TestEvent[] = [];
    const next = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (batch) => {
        later.push(...batch.records.map(decode));
      },
    });
    await joined(next, harness);
    await bus.publish(topic, [encode({ key: 'k0', seq: 1_000 })]);
    await waitUntil(() => later.length >= 1, { timeoutMs: 30_000, what: 'the new record' });
    expect(later.map((e) => e.seq)).toEqual([1_000]);
  });
}
