// Bounded memory: a partition holds at most maxBufferedBytesPerPartition of records a group with members has not
// committed; publish waits for commits beyond that, and never waits for the handler that is publishing.
import { topics } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BusRecord } from '../../src';
import type { InProcessBus } from '../../src/in-process';
import { gate, hasSettled, newBus, record, text, topicSpec } from './support';

const LIMIT = 8 * 1024;
const BODY = 'x'.repeat(900);

function stream(count: number, key = 'press-04'): ReturnType<typeof record>[] {
  return Array.from({ length: count }, (_, seq) => record(key, `${seq}:${BODY}`));
}

function seqOf(busRecord: BusRecord): number {
  return Number(text(busRecord.value).split(':')[0]);
}

function buffered(bus: InProcessBus, topic: string): number {
  return bus.partitionStats(topic).reduce((sum, stats) => sum + stats.bufferedBytes, 0);
}

describe('in-process bus back-pressure', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = newBus({ maxBufferedBytesPerPartition: LIMIT });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('makes publish wait while a group has not committed, and lets it go on once the group commits', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const held = gate();
    const seen: number[] = [];
    await bus.subscribe({
      groupId: uniqueName('slow'),
      topics: [spec.name],
      maxBatchSize: 4,
      handler: async (batch) => {
        await held.opened;
        seen.push(...batch.records.map(seqOf));
      },
    });

    const publishing = bus.publish(spec.name, stream(40));
    expect(await hasSettled(publishing)).toBe(false);
    const [stats] = bus.partitionStats(spec.name);
    expect(stats?.waitingPublishes).toBe(1);
    expect(stats?.bufferedBytes).toBeLessThanOrEqual(LIMIT);
    expect(stats?.endOffset).toBeLessThan(40);

    held.open();
    await publishing;
    await waitUntil(() => seen.length >= 40, { timeoutMs: 5_000, what: 'all 40 records' });
    expect(seen).toEqual(Array.from({ length: 40 }, (_, seq) => seq));
  });

  it('keeps every partition within its bound through a long stream to a slow group', async () => {
    const spec = topicSpec(3);
    await bus.provision([spec]);
    let handled = 0;
    let peak = 0;
    await bus.subscribe({
      groupId: uniqueName('slow'),
      topics: [spec.name],
      maxBatchSize: 3,
      handler: async (batch) => {
        for (const stats of bus.partitionStats(spec.name)) peak = Math.max(peak, stats.bufferedBytes);
        await new Promise((resolve) => setTimeout(resolve, 1));
        handled += batch.records.length;
      },
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let round = 0; round < 50; round += 1) {
      await bus.publish(
        spec.name,
        keys.map((key) => record(key, `${round}:${BODY}`)),
      );
      for (const stats of bus.partitionStats(spec.name)) peak = Math.max(peak, stats.bufferedBytes);
    }
    await waitUntil(() => handled >= 300, { timeoutMs: 10_000, what: '300 records handled' });
    expect(peak).toBeGreaterThan(LIMIT / 2);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    // Everything was committed by the only group: nothing is held any more.
    expect(buffered(bus, spec.name)).toBe(0);
  });

  it('drops the oldest records past the bound when no group reads the topic, and counts them', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    await bus.publish(spec.name, stream(30));
    const [stats] = bus.partitionStats(spec.name);
    expect(stats?.bufferedBytes).toBeLessThanOrEqual(LIMIT);
    expect(stats?.endOffset).toBe(30);
    expect(stats?.droppedRecords).toBe(stats?.startOffset);
    expect(stats?.startOffset).toBeGreaterThan(0);

    const seen: number[] = [];
    await bus.subscribe({
      groupId: uniqueName('late'),
      topics: [spec.name],
      handler: async (batch) => {
        seen.push(...batch.records.map(seqOf));
      },
    });
    await waitUntil(() => seen.includes(29), { timeoutMs: 5_000, what: 'the newest record' });
    expect(seen[0]).toBe(stats?.startOffset);
  });

  it('keeps what a group without members has not read while there is room, without holding publishers back', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const groupId = uniqueName('away');
    const first = await bus.subscribe({ groupId, topics: [spec.name], handler: async () => undefined });
    await first.close();

    await bus.publish(spec.name, stream(5));
    const seen: number[] = [];
    const back = await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async (batch) => {
        seen.push(...batch.records.map(seqOf));
      },
    });
    await waitUntil(() => seen.length >= 5, { timeoutMs: 5_000, what: 'the records published while away' });
    await back.close();

    // Away again: far more than the bound goes through at once; the group later finds the newest part.
    await bus.publish(spec.name, stream(40));
    expect(buffered(bus, spec.name)).toBeLessThanOrEqual(LIMIT);
    seen.length = 0;
    await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async (batch) => {
        seen.push(...batch.records.map(seqOf));
      },
    });
    await waitUntil(() => seen.includes(39), { timeoutMs: 5_000, what: 'the newest record' });
    expect(seen[0]).toBeGreaterThan(0);
  });

  it('never makes a handler wait for its own group when it publishes into a topic its group reads', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const seen: string[] = [];
    await bus.subscribe({
      groupId: uniqueName('echo'),
      topics: [spec.name],
      maxBatchSize: 20,
      handler: async (batch) => {
        for (const busRecord of batch.records) seen.push(text(busRecord.value).slice(0, 8));
        const originals = batch.records.filter((busRecord) => busRecord.headers['x-echo'] === undefined);
        // The log is full of this group's uncommitted batch: waiting here would wait for ourselves.
        await bus.publish(
          spec.name,
          originals.map((busRecord) =>
            record(busRecord.key, `echo${text(busRecord.value)}`, { 'x-echo': '1' }),
          ),
        );
      },
    });
    await bus.publish(spec.name, stream(30));
    await waitUntil(() => seen.length >= 60, {
      timeoutMs: 5_000,
      what: 'every record and its echo',
      describe: () => `${seen.length} handled`,
    });
    expect(seen.filter((value) => value.startsWith('echo'))).toHaveLength(30);
  });

  it('lets a handler publish to another group’s topic, waiting for that group’s commits', async () => {
    const source = topicSpec(1);
    const target = topicSpec(1);
    await bus.provision([source, target]);
    const forwarded: number[] = [];
    await bus.subscribe({
      groupId: uniqueName('forward'),
      topics: [source.name],
      maxBatchSize: 10,
      handler: async (batch) => {
        await bus.publish(
          target.name,
          batch.records.map((busRecord) => record(busRecord.key, text(busRecord.value))),
        );
      },
    });
    await bus.subscribe({
      groupId: uniqueName('sink'),
      topics: [target.name],
      maxBatchSize: 2,
      handler: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        forwarded.push(...batch.records.map(seqOf));
      },
    });
    await bus.publish(source.name, stream(60));
    await waitUntil(() => forwarded.length >= 60, {
      timeoutMs: 10_000,
      what: 'every record through both groups',
      describe: () => `${forwarded.length} forwarded`,
    });
    expect(forwarded).toEqual(Array.from({ length: 60 }, (_, seq) => seq));
  });

  it('gives a handler’s publish up waiting after handlerPublishMaxWaitMs when the other group never commits', async () => {
    const quick = newBus({ maxBufferedBytesPerPartition: LIMIT, handlerPublishMaxWaitMs: 150 });
    try {
      const source = topicSpec(1);
      const target = topicSpec(1);
      await quick.provision([source, target]);
      const stalled = await quick.subscribe({
        groupId: uniqueName('stalled'),
        topics: [target.name],
        handler: async () => undefined,
      });
      stalled.pause();
      let forwarded = 0;
      await quick.subscribe({
        groupId: uniqueName('forward'),
        topics: [source.name],
        handler: async (batch) => {
          await quick.publish(
            target.name,
            batch.records.map((busRecord) => record(busRecord.key, text(busRecord.value))),
          );
          forwarded += batch.records.length;
        },
      });
      const started = Date.now();
      await quick.publish(source.name, stream(20));
      await waitUntil(() => forwarded >= 20, { timeoutMs: 5_000, what: 'every record forwarded' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(quick.partitionStats(target.name)[0]?.endOffset).toBe(20);
    } finally {
      await quick.close();
    }
  });

  it('never blocks a dead-letter write, even when a dead-letter reader is paused', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec, topics.dlq]);
    const dlqReader = await bus.subscribe({
      groupId: uniqueName('dlq-reader'),
      topics: [topics.dlq.name],
      handler: async () => undefined,
    });
    dlqReader.pause();
    let handled = 0;
    await bus.subscribe({
      groupId: uniqueName('rejecting'),
      topics: [spec.name],
      handler: async (batch, context) => {
        for (const busRecord of batch.records) context.deadLetter(busRecord, new Error('rejected'));
        handled += batch.records.length;
      },
    });
    await bus.publish(spec.name, stream(8));
    await bus.publish(spec.name, stream(8));
    await waitUntil(() => handled >= 16, { timeoutMs: 5_000, what: 'every record rejected' });
    await waitUntil(() => bus.partitionStats(spec.name)[0]?.bufferedBytes === 0, {
      timeoutMs: 5_000,
      what: 'the rejected records to be committed',
    });
    expect(bus.partitionStats(topics.dlq.name).reduce((sum, stats) => sum + stats.endOffset, 0)).toBe(16);
  });

  it('lets a waiting publish through when the bus closes, and refuses publishes after', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const held = gate();
    await bus.subscribe({
      groupId: uniqueName('held'),
      topics: [spec.name],
      handler: async () => {
        await held.opened;
      },
    });
    const publishing = bus.publish(spec.name, stream(20));
    expect(await hasSettled(publishing)).toBe(false);
    const closing = bus.close();
    held.open();
    await closing;
    await expect(publishing).resolves.toBeUndefined();
    await expect(bus.publish(spec.name, stream(1))).rejects.toThrow(/closed/);
  });
});
