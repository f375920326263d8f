// Contract: the log epoch says whether an offset read through one bus names the same record through another, as
// it must for a service that stores offsets beside its state and meets them again after a restart.
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

  it('keeps one non-empty log epoch for as long as the bus runs', async () => {
    const bus = await open();
    const epoch = bus.logEpoch;
    const topic = uniqueName('test.contract');
    await provisionTopic(bus, topic, 1);
    await bus.publish(topic, [encode({ key: 'k', seq: 0 })]);
    expect(epoch).not.toBe('');
    expect(bus.logEpoch).toBe(epoch);
  });

  it('gives the next bus the same log epoch exactly when an offset kept from this one names the same record', async () => {
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

    // Equal epochs exactly when an offset kept from the first bus still names the same record.
    expect(after.logEpoch === before.logEpoch).toBe(sameRecord);
    expect(sameRecord).toBe(harness.offsetsOutliveTheBus);
  });
}
