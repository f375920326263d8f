// Contract: a subscription with a decoder decodes each record before its handler; a record the decoder refuses for
// good goes to the dead-letter topic at once and the rest of the batch goes on (docs/events.md, "Subscribing").
import { dlqHeaderNames, RuleError, TransientError } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BusRecord, EventBus, RecordDecoder, RetryOptions, Subscription } from '../../src';
import {
  decode as parseJson,
  encode,
  freshTopic,
  joined,
  SERVICE,
  watchDeadLetters,
  type BusHarness,
  type TestEvent,
} from './harness';

/** The test events as a service decodes its topic: bytes that are no event break a rule. */
const decodeTestEvent: RecordDecoder<TestEvent> = (record) => {
  let event: TestEvent;
  try {
    event = parseJson(record);
  } catch (error) {
    throw new RuleError(`record at offset ${record.offset} is not a test event: ${String(error)}`);
  }
  // A record the consumer does not read: handed on as a record, not as an event.
  return event.body === 'skip' ? undefined : event;
};

const poison = (key: string): { key: string; value: Uint8Array } => ({
  key,
  value: Buffer.from('\u0000not json'),
});

/**
 * Retries so slow that a batch retried even once would outlast the test's wait: what reaches the DLQ in time
 * went there without a retry.
 */
const retriesTooSlowToWaitFor: Partial<RetryOptions> = {
  maxAttempts: 5,
  initialDelayMs: 120_000,
  maxDelayMs: 120_000,
  isolationAttempts: 5,
};

export function decodingContract(harness: BusHarness): void {
  let bus: EventBus;
  const opened: Subscription[] = [];
  beforeEach(async () => {
    bus = await harness.createBus();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((subscription) => subscription.close()));
    await bus.close();
  });

  it('hands the handler decoded events and sends a poison record among them to the DLQ at once', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const groupId = uniqueName('decoding');
    const handled: TestEvent[] = [];
    const offsetsSeen: string[] = [];
    const refused: { record: BusRecord; error: unknown }[] = [];
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      retry: retriesTooSlowToWaitFor,
      decode: decodeTestEvent,
      handler: async (batch) => {
        offsetsSeen.push(...batch.records.map((record) => record.offset));
        for (const { record, event } of batch.events) {
          expect(record.topic).toBe(topic);
          expect(record.key).toBe(event.key);
          handled.push(event);
        }
      },
      onRecordRefused: (record, error) => void refused.push({ record, error }),
    });
    opened.push(subscription);
    await joined(subscription, harness);
    const good = (seq: number): TestEvent => ({ key: 'press-04', seq });
    await bus.publish(topic, [
      encode(good(0)),
      encode(good(1)),
      { ...poison('press-04'), headers: { 'x-origin': 'contract' } },
      encode(good(3)),
      encode({ key: 'press-04', seq: 4, body: 'skip' }),
      encode(good(5)),
    ]);
    // onRecordRefused follows the durable DLQ write, which a DLQ reader may see first.
    const done = (): boolean => handled.some((event) => event.seq === 5) && refused.length >= 1;
    await waitUntil(() => done() && dlq.records.length >= 1, {
      timeoutMs: 30_000,
      what: 'the good events handled and the poison record in the DLQ',
      describe: () => `handled ${JSON.stringify(handled)}, dead-lettered ${dlq.records.length}`,
    });

    // Each good event once, decoded and in order: the batch was never retried.
    expect(handled).toEqual([good(0), good(1), good(3), good(5)]);
    // The handler still sees every record, the refused and skipped ones too: offsets are its to reason about.
    expect(offsetsSeen).toEqual(['0', '1', '2', '3', '4', '5']);
    const [dead] = dlq.records;
    expect(dlq.records).toHaveLength(1);
    expect(Buffer.from(dead?.value ?? []).toString('utf8')).toBe('\u0000not json');
    expect(dead?.headers).toMatchObject({
      'x-origin': 'contract',
      [dlqHeaderNames.sourceTopic]: topic,
      [dlqHeaderNames.sourcePartition]: '0',
      [dlqHeaderNames.sourceOffset]: '2',
      [dlqHeaderNames.sourceKey]: 'press-04',
      [dlqHeaderNames.service]: SERVICE,
      [dlqHeaderNames.consumerGroup]: groupId,
      [dlqHeaderNames.errorKind]: 'RuleError',
    });
    expect(dead?.headers[dlqHeaderNames.error]).toMatch(/record at offset 2 is not a test event/);
    expect(refused.map(({ record }) => record.offset)).toEqual(['2']);
    expect(refused[0]?.error).toBeInstanceOf(RuleError);
  });

  it('dead-letters a refused record once, however often a failure of the world retries its batch', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const handled: number[] = [];
    let refusals = 0;
    let outage = 2;
    const subscription = await bus.subscribe({
      groupId: uniqueName('decoding-outage'),
      topics: [topic],
      retry: { initialDelayMs: 10, maxDelayMs: 50 },
      decode: decodeTestEvent,
      handler: async (batch) => {
        if (batch.events.length > 0 && outage > 0) {
          outage -= 1;
          throw new TransientError('database unreachable');
        }
        handled.push(...batch.events.map(({ event }) => event.seq));
      },
      onRecordRefused: () => void (refusals += 1),
    });
    opened.push(subscription);
    await joined(subscription, harness);
    await bus.publish(topic, [encode({ key: 'k', seq: 0 }), poison('k'), encode({ key: 'k', seq: 2 })]);
    await waitUntil(() => handled.includes(2) && dlq.records.length >= 1, {
      timeoutMs: 30_000,
      what: 'the batch handled after the outage and the poison record dead-lettered',
    });
    // A later batch is handled only after the one before it committed, its dead letters written.
    await bus.publish(topic, [encode({ key: 'k', seq: 3 })]);
    await waitUntil(() => handled.includes(3), { timeoutMs: 30_000, what: 'the record after the outage' });

    expect(outage).toBe(0);
    expect(refusals).toBe(1);
    expect(dlq.records.map((record) => record.headers[dlqHeaderNames.sourceOffset])).toEqual(['1']);
  });

  it('fails the batch on a decoder error of no known class, as on a handler error: retried, then isolated', async () => {
    const topic = await freshTopic(bus, 1);
    const dlq = await watchDeadLetters(bus, topic);
    opened.push(dlq.subscription);
    const handled: number[] = [];
    let refusals = 0;
    const subscription = await bus.subscribe({
      groupId: uniqueName('decoding-bug'),
      topics: [topic],
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50, isolationAttempts: 1 },
      decode: (record) => {
        const event = parseJson(record);
        // A bug in a decoder, not a record breaking a rule: nothing says the record can never be processed.
        if (event.seq === 1) throw new TypeError('cannot read properties of undefined');
        return event;
      },
      handler: async (batch) => void handled.push(...batch.events.map(({ event }) => event.seq)),
      onRecordRefused: () => void (refusals += 1),
    });
    opened.push(subscription);
    await joined(subscription, harness);
    await bus.publish(
      topic,
      [0, 1, 2].map((seq) => encode({ key: 'k', seq })),
    );
    await waitUntil(() => handled.includes(2) && dlq.records.length >= 1, {
      timeoutMs: 30_000,
      what: 'the records around the failing one handled alone and the failing one dead-lettered',
    });

    expect([...new Set(handled)].sort()).toEqual([0, 2]);
    const [dead] = dlq.records;
    expect(dead?.headers[dlqHeaderNames.errorKind]).toBe('TypeError');
    expect(dead?.headers[dlqHeaderNames.sourceOffset]).toBe('1');
    // Not refused by the decoder: dead-lettered by the isolation that follows a failure nobody recognised.
    expect(refusals).toBe(0);
  });
}
