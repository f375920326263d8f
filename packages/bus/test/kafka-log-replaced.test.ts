// describeLog on a broker of the test's own whose data directory is replaced (a new cluster on the same address):
// the log id changes with the cluster, and the log's end is the new log's, so a consumer holding offsets of the old
// log can tell that they name nothing here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWith, freeBrokerPort, ownBroker, uniqueName, type OwnBroker } from '@kiln/test-infra';
import { KafkaBus, type LogDescription } from '../src';
import { encode, provisionTopic, SERVICE } from './contract/harness';

describeWith(['kafka'], 'the Kafka log when the broker data is replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-log-replaced-'));
  let broker: OwnBroker;

  beforeAll(async () => {
    broker = ownBroker({ port: await freeBrokerPort(), dir });
    await broker.start();
  }, 120_000);

  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Publishes `count` records to the topic on the broker as it is now and describes partition 0. */
  async function publishAndDescribe(topic: string, count: number): Promise<LogDescription> {
    const bus = new KafkaBus({ brokers: broker.brokers, clientId: uniqueName('log-id'), service: SERVICE });
    try {
      await provisionTopic(bus, topic, 1);
      await bus.publish(
        topic,
        Array.from({ length: count }, (_, seq) => encode({ key: 'k', seq })),
      );
      return await bus.describeLog(topic, 0);
    } finally {
      await bus.close();
    }
  }

  it('names the log of the new cluster by another id, with its own end', async () => {
    const topic = uniqueName('test.log-id');
    const before = await publishAndDescribe(topic, 3);
    expect(before).toEqual({ logId: expect.stringMatching(/^kafka:.+/), startOffset: '0', endOffset: '3' });
    const again = await publishAndDescribe(topic, 2);
    expect(again).toEqual({ ...before, endOffset: '5' });

    await broker.stop();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    await broker.start();

    const after = await publishAndDescribe(topic, 1);
    expect(after.logId).toMatch(/^kafka:.+/);
    expect(after.logId).not.toBe(before.logId);
    expect([after.startOffset, after.endOffset]).toEqual(['0', '1']);
  }, 240_000);
});
