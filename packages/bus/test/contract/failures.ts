// Contract: what happens when handlers fail, records are poison, or a member shuts down mid-batch.
import { dlqHeaderNames, PermanentError, TransientError } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import { type EventBus, type RetryOptions, type Subscription } from '../../src';
import {
  decode,
  encode,
  freshTopic,
  joined,
  SERVICE,
  watchDeadLetters,
  type BusHarness,
  type TestEvent,
} from './harness';

/** Fast retries so a poison record is isolated in well under a second. */
const quickRetry: Partial<RetryOptions> = {
  maxAttempts: 2,
  initialDelayMs: 10,
  maxDelayMs: 50,
  isolationAttempts: 1,
};

function only<T>(items: readonly T[]): T {
  const [item] = items;
  if (items.length !== 1 || item === undefined)
    throw new Error(`expected exactly one item, got ${items.length}`);
  return item;
}

export function failureContract(harness: BusHarness): void {
  let bus: EventBus;
  const opened: Subscription[] = [];
  beforeEach(async () => {
    bus = await harness.createBus();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((subscription) => subscription.close()));
    await bus.close();
  });

  it('dead-letters a poison record unchanged with headers naming its source, and the partition keeps flowing', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const groupId = uniqueName('poison');
    const handled: number[] = [];
    opened.push(
      await bus.subscribe({
        groupId,
        topics: [topic],
        retry: quickRetry,
        handler: async (batch) => {
          const events = batch.records.map(decode);
          if (events.some((event) => event.body === 'poison')) throw new Error('cannot make sense of seq 5');
          handled.push(...events.map((event) => event.seq));
        },
      }),
    );
    const events: TestEvent[] = Array.from({ length: 10 }, (_, seq) => ({
      key: 'press-04',
      seq,
      ...(seq === 5 ? { body: 'poison' } : {}),
    }));
    await bus.publish(
      topic,
      events.map((event) => encode(event, { 'x-origin': 'contract' })),
    );
    await waitUntil(() => dlq.records.length >= 1 && handled.includes(9), {
      timeoutMs: 30_000,
      what: 'the poison record in the DLQ and the rest handled',
      describe: () => `dead-lettered ${dlq.records.length}, handled ${JSON.stringify(handled)}`,
    });
    // Later records of the same partition flowed past it.
    await bus.publish(topic, [encode({ key: 'press-04', seq: 10 })]);
    await waitUntil(() => handled.includes(10), {
      timeoutMs: 30_000,
      what: 'a record published after the poison',
    });

    expect([...new Set(handled)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10]);
    expect(dlq.records).toHaveLength(1);
    const dead = only(dlq.records);
    expect(decode(dead)).toEqual(events[5]);
    expect(dead.key).toBe('press-04');
    expect(dead.headers).toMatchObject({
      'x-origin': 'contract',
      [dlqHeaderNames.sourceTopic]: topic,
      [dlqHeaderNames.sourcePartition]: '0',
      [dlqHeaderNames.sourceOffset]: '5',
      [dlqHeaderNames.sourceKey]: 'press-04',
      [dlqHeaderNames.service]: SERVICE,
      [dlqHeaderNames.consumerGroup]: groupId,
      [dlqHeaderNames.errorKind]: 'Error',
    });
    expect(dead.headers[dlqHeaderNames.error]).toContain('cannot make sense of seq 5');
    expect(Date.parse(dead.headers[dlqHeaderNames.time] ?? '')).not.toBeNaN();
  });

  it('dead-letters what the handler rejects itself and counts the rest of the batch as handled', async () => {
    const topic = await freshTopic(bus, 2);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const handled: TestEvent[] = [];
    opened.push(
      await bus.subscribe({
        groupId: uniqueName('reject'),
        topics: [topic],
        handler: async (batch, context) => {
          for (const record of batch.records) {
            const event = decode(record);
            if (event.seq % 10 === 3)
              context.deadLetter(record, new RangeError(`seq ${event.seq} is out of range`));
            else handled.push(event);
          }
        },
      }),
    );
    await bus.publish(
      topic,
      Array.from({ length: 40 }, (_, i) => encode({ key: `k${i % 4}`, seq: i })),
    );
    await waitUntil(() => handled.length >= 36 && dlq.records.length >= 4, {
      timeoutMs: 30_000,
      what: '36 handled and 4 dead-lettered',
      describe: () => `handled ${handled.length}, dead-lettered ${dlq.records.length}`,
    });
    expect(dlq.records.map((record) => decode(record).seq).sort((a, b) => a - b)).toEqual([3, 13, 23, 33]);
    for (const record of dlq.records) {
      expect(record.headers[dlqHeaderNames.errorKind]).toBe('RangeError');
      expect(record.headers[dlqHeaderNames.error]).toContain(`seq ${decode(record).seq} is out of range`);
    }
  });

  it('redelivers an uncommitted batch after the handler failed (at-least-once)', async () => {
    const topic = await freshTopic(bus, 1);
    const attempts: number[][] = [];
    let failuresLeft = 2;
    opened.push(
      await bus.subscribe({
        groupId: uniqueName('redeliver'),
        topics: [topic],
        retry: { initialDelayMs: 10, maxDelayMs: 50 },
        handler: async (batch) => {
          attempts.push(batch.records.map((record) => decode(record).seq));
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new Error('database write failed');
          }
        },
      }),
    );
    await bus.publish(
      topic,
      Array.from({ length: 5 }, (_, seq) => encode({ key: 'k', seq })),
    );
    await waitUntil(() => attempts.length >= 3, { timeoutMs: 30_000, what: 'three attempts' });
    // The failed batch comes back whole and in order until it succeeds.
    expect(attempts[0]).toEqual(attempts[1]);
    expect(attempts[1]).toEqual(attempts[2]);
    expect(attempts[0]?.[0]).toBe(0);
  });

  // More failures than maxAttempts: a failure of the world must never lead to isolation or dead-lettering.
  it.each([
    ['a TransientError', () => new TransientError('database unreachable')],
    [
      'a database outage (SQLSTATE 08006 in the cause)',
      () =>
        new Error('storing the batch failed', {
          cause: Object.assign(new Error('connection failure'), { code: '08006' }),
        }),
    ],
  ])('retries %s without end and dead-letters nothing', async (_what, failure) => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    let attempts = 0;
    const handled: number[] = [];
    opened.push(
      await bus.subscribe({
        groupId: uniqueName('transient'),
        topics: [topic],
        retry: { ...quickRetry, maxAttempts: 1 },
        handler: async (batch) => {
          attempts += 1;
          if (attempts <= 4) throw failure();
          handled.push(...batch.records.map((record) => decode(record).seq));
        },
      }),
    );
    await bus.publish(
      topic,
      Array.from({ length: 3 }, (_, seq) => encode({ key: 'k', seq })),
    );
    await waitUntil(() => handled.length >= 3, { timeoutMs: 30_000, what: 'the batch after the outage' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(handled).toEqual([0, 1, 2]);
    expect(dlq.records).toHaveLength(0);
  });

  it('dead-letters a record the database refuses for good (SQLSTATE 22021) at once, the others go on', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const handled: number[] = [];
    let failedAttempts = 0;
    opened.push(
      await bus.subscribe({
        groupId: uniqueName('refused'),
        topics: [topic],
        // Many attempts allowed: a permanent failure must not use them.
        retry: {
          ...quickRetry,
          maxAttempts: 50,
          isolationAttempts: 50,
          initialDelayMs: 200,
          maxDelayMs: 200,
        },
        handler: async (batch) => {
          const events = batch.records.map(decode);
          if (events.some((event) => event.body === 'nul')) {
            failedAttempts += 1;
            const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
              code: '22021',
            });
            throw new Error('insert failed', { cause: refused });
          }
          handled.push(...events.map((event) => event.seq));
        },
      }),
    );
    await bus.publish(
      topic,
      Array.from({ length: 5 }, (_, seq) => encode({ key: 'k', seq, body: seq === 2 ? 'nul' : 'ok' })),
    );
    await waitUntil(() => handled.length >= 4 && dlq.records.length >= 1, {
      timeoutMs: 30_000,
      what: 'the good records and one dead letter',
    });
    expect(handled.sort((a, b) => a - b)).toEqual([0, 1, 3, 4]);
    expect(only(dlq.records).headers[dlqHeaderNames.error]).toMatch(/insert failed/);
    // Once for the batch, once alone: no retries of a failure that cannot pass.
    expect(failedAttempts).toBeLessThanOrEqual(2);
  });

  it('dead-letters a PermanentError without the retries an unknown failure gets', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    let attempts = 0;
    opened.push(
      await bus.subscribe({
        groupId: uniqueName('permanent'),
        topics: [topic],
        retry: {
          ...quickRetry,
          maxAttempts: 50,
          isolationAttempts: 50,
          initialDelayMs: 200,
          maxDelayMs: 200,
        },
        handler: async () => {
          attempts += 1;
          throw new PermanentError('the core refuses this record');
        },
      }),
    );
    await bus.publish(topic, [encode({ key: 'k', seq: 0 })]);
    await waitUntil(() => dlq.records.length >= 1, { timeoutMs: 30_000, what: 'the dead letter' });
    expect(attempts).toBe(2);
  });

  it('on close, aborts a batch that overruns the drain deadline without committing it: the next member gets it', async () => {
    const drainingBus = await harness.createBus({ drainTimeoutMs: 300 });
    try {
      const topic = await freshTopic(drainingBus, 1);
      const groupId = uniqueName('abort');
      let started = false;
      let sawAbort = false;
      const first = await drainingBus.subscribe({
        groupId,
        topics: [topic],
        handler: async (_batch, context) => {
          started = true;
          await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
          sawAbort = true;
          throw new Error('aborted by shutdown');
        },
      });
      await drainingBus.publish(
        topic,
        Array.from({ length: 3 }, (_, seq) => encode({ key: 'k', seq })),
      );
      await waitUntil(() => started, { timeoutMs: 30_000, what: 'the first member to start the batch' });
      await first.close();
      expect(sawAbort).toBe(true);

      // The same bus: the in-process bus keeps its topics in the bus instance.
      const redelivered: number[] = [];
      const second = await drainingBus.subscribe({
        groupId,
        topics: [topic],
        handler: async (batch) => {
          redelivered.push(...batch.records.map((record) => decode(record).seq));
        },
      });
      await waitUntil(() => redelivered.length >= 3, { timeoutMs: 30_000, what: 'the aborted batch again' });
      expect(redelivered).toEqual([0, 1, 2]);
      await second.close();
    } finally {
      await drainingBus.close();
    }
  });

  it('on close, lets a batch finish and commit inside the drain deadline: the next member does not get it again', async () => {
    const topic = await freshTopic(bus, 1);
    const groupId = uniqueName('drain');
    let release: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => {
      release = resolve;
    });
    const firstHandled: number[] = [];
    let started = false;
    const first = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (batch) => {
        started = true;
        await inHandler;
        firstHandled.push(...batch.records.map((record) => decode(record).seq));
      },
    });
    await bus.publish(
      topic,
      Array.from({ length: 3 }, (_, seq) => encode({ key: 'k', seq })),
    );
    await waitUntil(() => started, { timeoutMs: 30_000, what: 'the batch to start' });
    const closing = first.close();
    setTimeout(release, 200);
    await closing;
    expect(firstHandled).toEqual([0, 1, 2]);

    const later: number[] = [];
    const second = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (batch) => {
        later.push(...batch.records.map((record) => decode(record).seq));
      },
    });
    opened.push(second);
    await joined(second, harness);
    await bus.publish(topic, [encode({ key: 'k', seq: 3 })]);
    await waitUntil(() => later.length >= 1, { timeoutMs: 30_000, what: 'the next record' });
    expect(later).toEqual([3]);
  });
}
