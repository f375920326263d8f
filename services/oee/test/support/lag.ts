// Consumer-group lag read from the broker, as an operator would: how many records of a group's topics it has not
// committed yet. Partitions the group never committed count from the end offsets at `baseline` (a group that
// starts at the latest offset commits only partitions it received records on).
import { Kafka, logLevel, type Admin } from 'kafkajs';

export class ConsumerLag {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;
  private readonly baselines = new Map<string, { topics: string[]; offsets: Map<string, number> }>();

  constructor(brokers: string[]) {
    this.admin = new Kafka({ brokers, clientId: 'kiln-test-lag', logLevel: logLevel.NOTHING }).admin();
  }

  /** Remembers the end offsets of the group's topics now, before anything the test waits for is published. */
  async baseline(groupId: string, topics: string[]): Promise<void> {
    this.baselines.set(groupId, { topics, offsets: await this.endOffsets(topics) });
  }

  /** Records published to the group's topics since its baseline that the group has not committed. */
  async of(groupId: string): Promise<number> {
    const baseline = this.baselines.get(groupId);
    if (baseline === undefined) throw new Error(`no baseline for group ${groupId}`);
    await this.connect();
    const ends = await this.endOffsets(baseline.topics);
    const committed = await this.admin.fetchOffsets({ groupId, topics: baseline.topics });
    let lag = 0;
    for (const { topic, partitions } of committed) {
      for (const { partition, offset } of partitions) {
        const key = `${topic}/${partition}`;
        const from = Math.max(Number(offset), baseline.offsets.get(key) ?? 0);
        lag += Math.max(0, (ends.get(key) ?? 0) - from);
      }
    }
    return lag;
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.admin.disconnect();
  }

  private async endOffsets(topics: string[]): Promise<Map<string, number>> {
    await this.connect();
    const offsets = new Map<string, number>();
    for (const topic of topics) {
      for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) {
        offsets.set(`${topic}/${partition}`, Number(high));
      }
    }
    return offsets;
  }

  private connect(): Promise<void> {
    this.connected ??= this.admin.connect();
    return this.connected;
  }
}
