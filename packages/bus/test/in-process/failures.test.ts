// Handler failures and shutdown on the in-process bus: redelivery of the uncommitted batch, and a close that
// drains, aborts, and hands the batch to the next member uncommitted.
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BatchHandler } from '../../src';
import type { InProcessBus } from '../../src/in-process';
import { newBus, record, topicSpec } from './support';

const quickRetry = { initialDelayMs: 5, maxDelayMs: 20 };

describe('in-process bus failures and shutdown', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = newBus({ drainTimeoutMs: 150 });
  });
  afterEach(async () => {
    await bus.close();
  });

  it('redelivers the same uncommitted batch after the handler throws, before any later record', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const deliveries: string[][] = [];
    let failuresLeft = 2;
    await bus.subscribe({
      groupId: uniqueName('redeliver'),
      topics: [spec.name],
      maxBatchSize: 3,
      retry: quickRetry,
      handler: async (batch) => {
        const offsets = batch.records.map((r) => r.offset);
        deliveries.push(offsets);
        if (offsets[0] === '3' && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('database write failed');
        }
      },
    });
    await bus.publish(
      spec.name,
      Array.from({ length: 9 }, (_, i) => record('k', String(i))),
    );
    await waitUntil(() => deliveries.length >= 5, { timeoutMs: 5_000, what: 'five deliveries' });
    expect(deliveries).toEqual([
      ['0', '1', '2'],
      ['3', '4', '5'],
      ['3', '4', '5'],
      ['3', '4', '5'],
      ['6', '7', '8'],
    ]);
  });

  it('on close, aborts a handler past the drain deadline; the other member then gets the same batch again', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const groupId = uniqueName('abort');
    let sawAbortAt = 0;
    const stuck: BatchHandler = async (_batch, context) => {
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
      sawAbortAt = Date.now();
      throw new Error('aborted by shutdown');
    };
    const first = await bus.subscribe({ groupId, topics: [spec.name], handler: stuck });
    const takenOver: Array<{ offsets: string[]; at: number }> = [];
    const second = await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async (batch) => {
        takenOver.push({ offsets: batch.records.map((r) => r.offset), at: Date.now() });
      },
    });
    expect(first.assignments()).toHaveLength(1);
    expect(second.assignments()).toHaveLength(0);
    await bus.publish(
      spec.name,
      Array.from({ length: 3 }, (_, i) => record('k', String(i))),
    );

    const closeStarted = Date.now();
    await first.close();
    expect(sawAbortAt - closeStarted).toBeGreaterThanOrEqual(140);
    expect(second.assignments()).toEqual([{ topic: spec.name, partition: 0 }]);
    await waitUntil(() => takenOver.length >= 1, {
      timeoutMs: 5_000,
      what: 'the batch on the second member',
    });
    expect(takenOver[0]?.offsets).toEqual(['0', '1', '2']);
    expect(takenOver[0]?.at).toBeGreaterThanOrEqual(sawAbortAt);
  });

  it('does not let close hang on a handler that ignores the abort, nor start the next owner before it returns', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const groupId = uniqueName('stubborn');
    let returnedAt = 0;
    const first = await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        returnedAt = Date.now();
      },
    });
    const takenOverAt: number[] = [];
    const takenOver: string[] = [];
    await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async (batch) => {
        takenOverAt.push(Date.now());
        takenOver.push(...batch.records.map((r) => r.offset));
      },
    });
    await bus.publish(spec.name, [record('k', 'a'), record('k', 'b')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    await first.close();
    // drain deadline (150 ms) plus the one-second grace after the abort, not the handler's 1.5 s
    expect(Date.now() - started).toBeLessThan(1_450);
    expect(returnedAt).toBe(0);
    expect(takenOverAt).toEqual([]);
    await waitUntil(() => takenOver.length >= 2, { timeoutMs: 5_000, what: 'the batch on the next owner' });
    expect(takenOverAt[0]).toBeGreaterThanOrEqual(returnedAt);
    // The aborted batch was not committed even though the handler finished it.
    expect(takenOver).toEqual(['0', '1']);
  });

  it('abandons a failing batch of a partition that moved to another member instead of retrying it', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const groupId = uniqueName('moved');
    let firstAttempts = 0;
    const first = await bus.subscribe({
      groupId,
      topics: [spec.name],
      retry: { initialDelayMs: 50, maxDelayMs: 50, maxAttempts: 100 },
      handler: async () => {
        firstAttempts += 1;
        throw new Error('downstream refused');
      },
    });
    await bus.publish(spec.name, [record('k', 'a')]);
    await waitUntil(() => firstAttempts >= 1, { timeoutMs: 5_000, what: 'a first attempt' });
    const handled: string[] = [];
    const closing = first.close();
    await bus.subscribe({
      groupId,
      topics: [spec.name],
      handler: async (batch) => {
        handled.push(...batch.records.map((r) => r.offset));
      },
    });
    await closing;
    await waitUntil(() => handled.length >= 1, { timeoutMs: 5_000, what: 'the new member to handle it' });
    expect(handled).toEqual(['0']);
    expect(firstAttempts).toBeLessThanOrEqual(2);
  });
});
