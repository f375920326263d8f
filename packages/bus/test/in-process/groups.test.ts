// Consumer groups in process: partitions shared among members, handed over only when the previous owner's batch
// has ended, and strictly one batch at a time per partition.
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BatchHandler, Subscription, TopicPartition } from '../../src';
import type { InProcessBus } from '../../src/in-process';
import { gate, hasSettled, newBus, record, text, topicSpec } from './support';

function owned(subscriptions: readonly Subscription[]): string[] {
  return subscriptions
    .flatMap((subscription) => subscription.assignments())
    .map(({ topic, partition }: TopicPartition) => `${topic}#${partition}`)
    .sort();
}

describe('in-process consumer groups', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = newBus({ drainTimeoutMs: 200 });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('shares the partitions among members, each exactly once, and gives the same numbers of every topic to one member', async () => {
    const telemetry = topicSpec(6);
    const states = topicSpec(6);
    await bus.provision([telemetry, states]);
    const groupId = uniqueName('oee');
    const handler: BatchHandler = async () => undefined;
    const members = [
      await bus.subscribe({ groupId, topics: [telemetry.name, states.name], handler }),
      await bus.subscribe({ groupId, topics: [telemetry.name, states.name], handler }),
      await bus.subscribe({ groupId, topics: [telemetry.name, states.name], handler }),
    ];
    const all = [telemetry, states]
      .flatMap((spec) => Array.from({ length: 6 }, (_, p) => `${spec.name}#${p}`))
      .sort();
    expect(owned(members)).toEqual(all);
    for (const member of members) {
      const byTopic = (name: string) =>
        member
          .assignments()
          .filter((tp) => tp.topic === name)
          .map((tp) => tp.partition);
      expect(byTopic(telemetry.name)).toHaveLength(2);
      expect(byTopic(telemetry.name)).toEqual(byTopic(states.name));
    }
    await members[1]?.close();
    expect(owned([members[0], members[2]].filter((m): m is Subscription => m !== undefined))).toEqual(all);
  });

  it('starts a group without committed offsets at the end of the log when fromBeginning is false', async () => {
    const spec = topicSpec(2);
    await bus.provision([spec]);
    await bus.publish(spec.name, [record('a', 'old'), record('b', 'old')]);
    const seen: string[] = [];
    await bus.subscribe({
      groupId: uniqueName('tail'),
      topics: [spec.name],
      fromBeginning: false,
      handler: async (batch) => {
        seen.push(...batch.records.map((r) => text(r.value)));
      },
    });
    await bus.publish(spec.name, [record('a', 'new')]);
    await waitUntil(() => seen.length >= 1, { timeoutMs: 5_000, what: 'the new record' });
    expect(seen).toEqual(['new']);
  });

  it('hands a partition to a joining member only after the batch in flight on the old owner has committed', async () => {
    const spec = topicSpec(2);
    await bus.provision([spec]);
    const groupId = uniqueName('handover');
    const held = gate();
    const handledBy: Array<{ member: string; partition: number; offsets: string[] }> = [];
    const member =
      (name: string): BatchHandler =>
      async (batch) => {
        if (name === 'a') await held.opened;
        handledBy.push({
          member: name,
          partition: batch.partition,
          offsets: batch.records.map((r) => r.offset),
        });
      };
    const a = await bus.subscribe({ groupId, topics: [spec.name], handler: member('a'), maxBatchSize: 5 });
    // Keys on both partitions; member a holds one batch of each.
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    await bus.publish(
      spec.name,
      Array.from({ length: 30 }, (_, i) => record(keys[i % keys.length] ?? 'k', String(i))),
    );
    const b = await bus.subscribe({ groupId, topics: [spec.name], handler: member('b'), maxBatchSize: 5 });
    expect(b.assignments()).toHaveLength(1);
    const moved = b.assignments()[0]?.partition;

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handledBy.filter((h) => h.member === 'b')).toEqual([]);
    held.open();
    await waitUntil(
      () => {
        const counted = handledBy.reduce((sum, h) => sum + h.offsets.length, 0);
        return counted >= 30;
      },
      { timeoutMs: 5_000, what: 'all 30 records', describe: () => JSON.stringify(handledBy) },
    );
    const onMoved = handledBy.filter((h) => h.partition === moved);
    // a finished and committed its batch of the moved partition; b went on right after it, without repeating it.
    expect(onMoved[0]?.member).toBe('a');
    expect(onMoved.slice(1).every((h) => h.member === 'b')).toBe(true);
    const offsets = onMoved.flatMap((h) => h.offsets.map(Number));
    expect(offsets).toEqual(offsets.map((_, i) => i));
    await a.close();
    await b.close();
  });

  it('never runs one partition on two members at once while members join and leave mid-stream', async () => {
    const spec = topicSpec(4);
    await bus.provision([spec]);
    const groupId = uniqueName('churn');
    const inFlight = new Map<number, number>();
    let overlaps = 0;
    const lastSeq = new Map<string, number>();
    let regressions = 0;
    const handled = new Set<string>();
    const handler: BatchHandler = async (batch) => {
      const running = (inFlight.get(batch.partition) ?? 0) + 1;
      inFlight.set(batch.partition, running);
      if (running > 1) overlaps += 1;
      await new Promise((resolve) => setTimeout(resolve, 3));
      for (const r of batch.records) {
        const [key = '', seq = '0'] = text(r.value).split(':');
        // A replay may go back to the last commit, never past what was already handled plus one.
        if (Number(seq) > (lastSeq.get(key) ?? -1) + 1) regressions += 1;
        lastSeq.set(key, Math.max(lastSeq.get(key) ?? -1, Number(seq)));
        handled.add(`${key}:${seq}`);
      }
      inFlight.set(batch.partition, (inFlight.get(batch.partition) ?? 1) - 1);
    };
    const members: Subscription[] = [
      await bus.subscribe({ groupId, topics: [spec.name], handler, maxBatchSize: 20 }),
    ];
    const total = 3_000;
    const publishing = (async () => {
      for (let i = 0; i < total; i += 100) {
        await bus.publish(
          spec.name,
          Array.from({ length: 100 }, (_, j) => {
            const n = i + j;
            return record(`asset-${n % 17}`, `asset-${n % 17}:${Math.floor(n / 17)}`);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    for (let step = 0; step < 6; step += 1) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      if (step % 2 === 0)
        members.push(await bus.subscribe({ groupId, topics: [spec.name], handler, maxBatchSize: 20 }));
      else await members.splice(1, 1)[0]?.close();
    }
    await publishing;
    await waitUntil(() => handled.size >= total, {
      timeoutMs: 20_000,
      what: 'every record handled',
      describe: () => `${handled.size} of ${total}`,
    });
    expect(overlaps).toBe(0);
    expect(regressions).toBe(0);
    for (const member of members) await member.close();
  });

  it('handles the batches of one partition one at a time, in order, and different partitions concurrently', async () => {
    const spec = topicSpec(2);
    await bus.provision([spec]);
    const keys = ['k0', 'k1', 'k2', 'k3'];
    let concurrent = 0;
    let peakConcurrent = 0;
    const perPartition = new Map<number, number[]>();
    await bus.subscribe({
      groupId: uniqueName('order'),
      topics: [spec.name],
      maxBatchSize: 3,
      handler: async (batch) => {
        concurrent += 1;
        peakConcurrent = Math.max(peakConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const list = perPartition.get(batch.partition) ?? [];
        list.push(...batch.records.map((r) => Number(r.offset)));
        perPartition.set(batch.partition, list);
        concurrent -= 1;
      },
    });
    await bus.publish(
      spec.name,
      Array.from({ length: 40 }, (_, i) => record(keys[i % 4] ?? 'k', String(i))),
    );
    await waitUntil(() => [...perPartition.values()].reduce((s, l) => s + l.length, 0) >= 40, {
      timeoutMs: 5_000,
      what: '40 records',
    });
    for (const offsets of perPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
    expect(peakConcurrent).toBe(2);
  });

  it('starts no batch while paused but finishes the one in flight', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const held = gate();
    const batches: string[][] = [];
    const subscription = await bus.subscribe({
      groupId: uniqueName('pause'),
      topics: [spec.name],
      maxBatchSize: 2,
      handler: async (batch) => {
        await held.opened;
        batches.push(batch.records.map((r) => r.offset));
      },
    });
    await bus.publish(
      spec.name,
      Array.from({ length: 6 }, (_, i) => record('k', String(i))),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    subscription.pause();
    held.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches).toEqual([['0', '1']]);
    subscription.resume();
    await waitUntil(() => batches.length >= 3, { timeoutMs: 5_000, what: 'the rest after resume' });
    expect(batches.flat()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(await hasSettled(subscription.close())).toBe(true);
  });
});
