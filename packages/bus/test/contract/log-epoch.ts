// Contract: describeLog says which log a partition's offsets belong to (whether an offset read through one bus names
// the same record through another, as it must for a service that stores offsets beside its state and meets them
// again after a restart) and how far that log reaches.
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { BusRecord, EventBus } from '../../src';
import { decode, encode, joined, provisionTopic, type BusHarness } from './harness';

/** Every record of the topic a new group reads from the beginning, until `until` holds. */
async function readAll(
  bus: EventBus,
  topic: string,
  harness: BusHarness,
  until: (records: readonly BusRecord[]) => boolean,
): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  const subscription = await bus.subscribe({
    groupId: uniqueName('epoch-reader'),
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => {
      records.push(...batch.records);
    },
  });
  await joined(subscription, harness);
  await waitUntil(() => until(records), { timeoutMs: harness.joinTimeoutMs, what: 'the records to arrive' });
  await subscription.close();
  return records;
}

export function logEpochContract(harness: BusHarness): void {
  const opened: EventBus[] = [];
  const open = async (): Promise<EventBus> => {
    const bus = await harness.createBus();
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });

  it('names the log by one non-empty id for as long as the bus runs, and tells where the log starts and ends', async () => {
    const bus = await open();
    const topic = uniqueName('test.contract');
    await provisionTopic(bus, topic, 1);
    const empty = await bus.describeLog(topic, 0);
    await bus.publish(
      topic,
      [0, 1, 2].map((seq) => encode({ key: 'k', seq })),
    );
    const written = await bus.describeLog(topic, 0);
    expect(empty.logId).not.toBe('');
    expect(written.logId).toBe(empty.logId);
    expect([empty.startOffset, empty.endOffset]).toEqual(['0', '0']);
    expect([written.startOffset, written.endOffset]).toEqual(['0', '3']);
  });

  it('refuses to describe a partition the topic does not have', async () => {
    const bus = await open();
    const topic = uniqueName('test.contract');
    await provisionTopic(bus, topic, 1);
    await expect(bus.describeLog(topic, 5)).rejects.toThrow(`${topic}[5]`);
  });

  it('gives the next bus the same log id exactly when an offset kept from this one names the same record', async () => {
    const topic = uniqueName('test.contract');
    const before = await open();
    await provisionTopic(before, topic, 1);
    await before.publish(
      topic,
      [0, 1, 2].map((seq) => encode({ key: 'k', seq, body: 'before' })),
    );
    const firstRead = await readAll(before, topic, harness, (records) => records.length >= 3);
    const [firstRecord] = firstRead;
    if (firstRecord === undefined) throw new Error('no record read before the restart');
    const beforeLogId = (await before.describeLog(topic, 0)).logId;
    await before.close();

    // The next process: a new bus over the same topic name.
    const after = await open();
    await provisionTopic(after, topic, 1);
    await after.publish(topic, [encode({ key: 'k', seq: 3, body: 'after' })]);
    const secondRead = await readAll(after, topic, harness, (records) =>
      records.some((record) => decode(record).body === 'after'),
    );
    const atSameOffset = secondRead.find((record) => record.offset === firstRecord.offset);
    const sameRecord = atSameOffset !== undefined && decode(atSameOffset).body === 'before';

    // Equal ids exactly when an offset kept from the first bus still names the same record.
    expect((await after.describeLog(topic, 0)).logId === beforeLogId).toBe(sameRecord);
    expect(sameRecord).toBe(harness.offsetsOutliveTheBus);
  });
}
