// What the contract suite needs from an implementation, and helpers shared by its files.
import { dlqHeaderNames, topics, type TopicSpec } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BusRecord, EventBus, OutgoingRecord, Subscription } from '../../src';

export interface BusHarness {
  /** A new bus; tests close it. */
  createBus(options?: { drainTimeoutMs?: number }): Promise<EventBus>;
  /** How long a group member may take to join (Kafka needs a round of group coordination). */
  joinTimeoutMs: number;
  /** Whether a new bus reads the logs of the one before (Kafka) or starts empty (in process). */
  offsetsOutliveTheBus: boolean;
}

export const SERVICE = 'contract-test';

export interface TestEvent {
  key: string;
  seq: number;
  body?: string;
}

export function encode(event: TestEvent, headers?: Record<string, string>): OutgoingRecord {
  return { key: event.key, value: Buffer.from(JSON.stringify(event)), ...(headers ? { headers } : {}) };
}

export function decode(record: BusRecord): TestEvent {
  return JSON.parse(Buffer.from(record.value).toString('utf8')) as TestEvent;
}

export async function freshTopic(bus: EventBus, partitions: number): Promise<string> {
  const name = uniqueName('test.contract');
  await provisionTopic(bus, name, partitions);
  return name;
}

/** Creates the topic (and the dead-letter topic) where it does not exist yet on this bus. */
export async function provisionTopic(bus: EventBus, name: string, partitions: number): Promise<void> {
  const spec: TopicSpec = {
    name,
    key: 'asset-id',
    partitions,
    retentionMs: 3_600_000,
    cleanupPolicy: 'delete',
    messageType: undefined,
    description: 'contract test topic',
  };
  await bus.provision([spec, topics.dlq]);
}

export async function joined(subscription: Subscription, harness: BusHarness): Promise<void> {
  await waitUntil(() => subscription.isReady(), {
    timeoutMs: harness.joinTimeoutMs,
    what: 'group membership',
  });
}

/** Collects the dead-lettered copies of records of one source topic. */
export async function watchDeadLetters(
  bus: EventBus,
  sourceTopic: string,
): Promise<{ records: BusRecord[]; subscription: Subscription }> {
  const records: BusRecord[] = [];
  const subscription = await bus.subscribe({
    groupId: uniqueName('dlq-watch'),
    topics: [topics.dlq.name],
    fromBeginning: true,
    handler: async (batch) => {
      records.push(...batch.records.filter((r) => r.headers[dlqHeaderNames.sourceTopic] === sourceTopic));
    },
  });
  return { records, subscription };
}

export async function publishInBatches(
  bus: EventBus,
  topic: string,
  events: readonly TestEvent[],
  batchSize: number,
): Promise<void> {
  for (let start = 0; start < events.length; start += batchSize) {
    await bus.publish(
      topic,
      events.slice(start, start + batchSize).map((event) => encode(event)),
    );
  }
}
