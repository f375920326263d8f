// Topics, offsets and records on the in-process bus.
import { dlqHeaderNames, topics } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import { propagation, type TextMapPropagator } from '@opentelemetry/api';
import { BusError, type BusMetrics, type BusRecord, noopMetrics } from '../../src';
import type { InProcessBus } from '../../src/in-process';
import { partitionForKey } from '../../src/in-process/murmur2';
import { newBus, record, text, topicSpec } from './support';

describe('in-process bus topics and records', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = newBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  async function collect(topic: string, count: number): Promise<BusRecord[]> {
    const seen: BusRecord[] = [];
    await bus.subscribe({
      groupId: uniqueName('collect'),
      topics: [topic],
      handler: async (batch) => {
        seen.push(...batch.records);
      },
    });
    await waitUntil(() => seen.length >= count, { timeoutMs: 5_000, what: `${count} records` });
    return seen;
  }

  it('refuses to publish to or subscribe to a topic that was not provisioned, naming it', async () => {
    await expect(bus.publish('kiln.nowhere.v1', [record('k', 'v')])).rejects.toThrow(BusError);
    await expect(bus.publish('kiln.nowhere.v1', [record('k', 'v')])).rejects.toThrow(/kiln\.nowhere\.v1/);
    await expect(
      bus.subscribe({ groupId: 'g', topics: ['kiln.nowhere.v1'], handler: async () => undefined }),
    ).rejects.toThrow(/kiln\.nowhere\.v1.*provision/);
  });

  it('provisions idempotently and keeps an existing topic’s partition count', async () => {
    const spec = topicSpec(3);
    await bus.provision([spec]);
    await bus.provision([spec, { ...spec, partitions: 5 }]);
    expect(bus.partitionStats(spec.name)).toHaveLength(3);
  });

  it('numbers each partition’s records from "0" up and puts a key on its Kafka partition', async () => {
    const spec = topicSpec(4);
    await bus.provision([spec]);
    const keys = [
      'acme/plant-1/pressing/line-2/press-04',
      'acme/plant-1/welding/line-1/robot-02',
      'x',
      'y',
      'z',
    ];
    await bus.publish(
      spec.name,
      keys.flatMap((key) => [record(key, '1'), record(key, '2')]),
    );
    const seen = await collect(spec.name, 10);
    for (const key of keys) {
      const ofKey = seen.filter((r) => r.key === key);
      expect(ofKey.map((r) => r.partition)).toEqual([partitionForKey(key, 4), partitionForKey(key, 4)]);
      expect(ofKey.map((r) => text(r.value))).toEqual(['1', '2']);
    }
    for (let partition = 0; partition < 4; partition += 1) {
      const offsets = seen.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => String(i)));
    }
  });

  it('stamps the publish time unless given and keeps the caller’s headers and timestamp', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const before = Date.now();
    await bus.publish(spec.name, [
      record('k', 'now', { 'content-type': 'application/x-protobuf' }),
      { ...record('k', 'then'), timestamp: 1_700_000_000_000 },
    ]);
    const [now, then] = await collect(spec.name, 2);
    expect(now?.timestamp).toBeGreaterThanOrEqual(before);
    expect(now?.headers).toEqual({ 'content-type': 'application/x-protobuf' });
    expect(then?.timestamp).toBe(1_700_000_000_000);
  });

  it('injects the active trace context into the headers', async () => {
    const fake: TextMapPropagator = {
      inject: (_context, carrier, setter) => setter.set(carrier, 'traceparent', '00-trace-span-01'),
      extract: (context) => context,
      fields: () => ['traceparent'],
    };
    propagation.setGlobalPropagator(fake);
    try {
      const spec = topicSpec(1);
      await bus.provision([spec]);
      await bus.publish(spec.name, [record('k', 'v'), record('k', 'w', { traceparent: '00-kept-01' })]);
      const [injected, kept] = await collect(spec.name, 2);
      expect(injected?.headers['traceparent']).toBe('00-trace-span-01');
      expect(kept?.headers['traceparent']).toBe('00-kept-01');
    } finally {
      propagation.disable();
    }
  });

  it('keeps its own copy of a value: the caller may reuse its buffer after publish', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const value = Buffer.from('original');
    await bus.publish(spec.name, [{ key: 'k', value }]);
    value.write('mutated!');
    const [stored] = await collect(spec.name, 1);
    expect(text(stored?.value ?? new Uint8Array())).toBe('original');
  });

  it('refuses a record over the size limit and appends nothing of that publish', async () => {
    const small = newBus({ maxRecordBytes: 1_000 });
    try {
      const spec = topicSpec(1);
      await small.provision([spec]);
      await expect(
        small.publish(spec.name, [record('k', 'fine'), record('k', 'y'.repeat(2_000))]),
      ).rejects.toThrow(/over the 1000-byte limit/);
      expect(small.partitionStats(spec.name)[0]?.endOffset).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('creates the dead-letter topic on the first dead letter when nobody provisioned it', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    let handled = false;
    await bus.subscribe({
      groupId: uniqueName('reject'),
      topics: [spec.name],
      handler: async (batch, context) => {
        for (const r of batch.records) context.deadLetter(r, new RangeError('no such tag'));
        handled = true;
      },
    });
    await bus.publish(spec.name, [record('press-04', 'bad')]);
    await waitUntil(() => handled, { timeoutMs: 5_000, what: 'the batch' });
    await waitUntil(() => bus.partitionStats(spec.name)[0]?.bufferedBytes === 0, {
      timeoutMs: 5_000,
      what: 'the commit',
    });
    const [dead] = await collect(topics.dlq.name, 1);
    expect(dead?.headers[dlqHeaderNames.sourceTopic]).toBe(spec.name);
    expect(dead?.headers[dlqHeaderNames.errorKind]).toBe('RangeError');
  });

  it('counts published and consumed records', async () => {
    const published = new Map<string, number>();
    const consumed = new Map<string, number>();
    const metrics: BusMetrics = {
      ...noopMetrics,
      recordsPublished: (topic, count) => published.set(topic, (published.get(topic) ?? 0) + count),
      recordsConsumed: (topic, _group, count) => consumed.set(topic, (consumed.get(topic) ?? 0) + count),
    };
    const counted = newBus({ metrics });
    try {
      const spec = topicSpec(2);
      await counted.provision([spec]);
      let handled = 0;
      await counted.subscribe({
        groupId: uniqueName('count'),
        topics: [spec.name],
        handler: async (batch) => {
          handled += batch.records.length;
        },
      });
      await counted.publish(
        spec.name,
        Array.from({ length: 7 }, (_, i) => record(`k${i}`, 'v')),
      );
      await waitUntil(() => handled >= 7, { timeoutMs: 5_000, what: '7 records' });
      expect(published.get(spec.name)).toBe(7);
      expect(consumed.get(spec.name)).toBe(7);
    } finally {
      await counted.close();
    }
  });

  it('answers ping until closed, and refuses publish and subscribe after close', async () => {
    const spec = topicSpec(1);
    await bus.provision([spec]);
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow(BusError);
    await expect(bus.publish(spec.name, [record('k', 'v')])).rejects.toThrow(/closed/);
    await expect(
      bus.subscribe({ groupId: 'g', topics: [spec.name], handler: async () => undefined }),
    ).rejects.toThrow(/closed/);
  });

  it('closes every subscription with the bus and leaves no timer behind', async () => {
    const spec = topicSpec(3);
    await bus.provision([spec]);
    const subscription = await bus.subscribe({
      groupId: uniqueName('idle'),
      topics: [spec.name],
      handler: async () => undefined,
    });
    const started = Date.now();
    await bus.close();
    expect(subscription.isReady()).toBe(false);
    // An idle member drains at once: no drain-deadline timer is waited out.
    expect(Date.now() - started).toBeLessThan(100);
  });
});
