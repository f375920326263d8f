// Consumer lag of a group on a topic (end offset - committed offset, summed over partitions) and the topic's
// end offsets, read with the kafkajs admin client.
import type { Admin } from 'kafkajs';

export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((one) => [one.partition, Number(one.high)]));
}

/** Sum of end - committed; a partition without a committed offset counts from its end offset at `baseline`. */
export function lagOf(
  ends: ReadonlyMap<number, number>,
  committed: ReadonlyMap<number, number>,
  baseline: ReadonlyMap<number, number>,
): number {
  let lag = 0;
  for (const [partition, end] of ends) {
    const from = committed.get(partition) ?? -1;
    const start = from >= 0 ? from : (baseline.get(partition) ?? end);
    lag += Math.max(0, end - start);
  }
  return lag;
}

export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((result?.partitions ?? []).map((one) => [one.partition, Number(one.offset)]));
}

export function sumOffsets(offsets: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const value of offsets.values()) sum += value;
  return sum;
}
