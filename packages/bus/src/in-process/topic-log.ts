// An in-process topic: its partitions, the key-to-partition rule, and the groups whose offsets hold its records.
import type { TopicSpec } from '@kiln/contracts';
import type { BusLogger } from '../types';
import { partitionForKey } from './murmur2';
import { PartitionLog, type RetentionFloors } from './partition-log';

/** What a topic needs to know of a consumer group to decide which records may go. */
export interface RetainingGroup {
  committedOffset(topic: string, partition: number): number | undefined;
  /** True while the group has members reading the topic (draining ones included). */
  consumes(topic: string): boolean;
}

export class TopicLog {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  private readonly groups = new Set<RetainingGroup>();

  constructor(spec: TopicSpec, settings: { maxBufferedBytesPerPartition: number; logger: BusLogger }) {
    this.name = spec.name;
    this.partitions = Array.from(
      { length: spec.partitions },
      (_, partition) =>
        new PartitionLog(spec.name, partition, {
          maxBufferedBytes: settings.maxBufferedBytesPerPartition,
          logger: settings.logger,
          floors: () => this.floors(partition),
        }),
    );
  }

  partitionOf(key: string): PartitionLog {
    const log = this.partitions[partitionForKey(key, this.partitions.length)];
    if (log === undefined) throw new RangeError(`${this.name} has no partition for key '${key}'`);
    return log;
  }

  partition(partition: number): PartitionLog {
    const log = this.partitions[partition];
    if (log === undefined) throw new RangeError(`${this.name} has no partition ${partition}`);
    return log;
  }

  /** A group reads this topic from now on: its committed offsets hold records until it reads them. */
  addGroup(group: RetainingGroup): void {
    this.groups.add(group);
  }

  /** Group membership or offsets changed: trim and admit waiting publishes where that made room. */
  retentionChanged(): void {
    for (const log of this.partitions) log.retentionChanged();
  }

  private floors(partition: number): RetentionFloors {
    let active: number | undefined;
    let retained: number | undefined;
    for (const group of this.groups) {
      const committed = group.committedOffset(this.name, partition);
      if (committed === undefined) continue;
      retained = retained === undefined ? committed : Math.min(retained, committed);
      if (group.consumes(this.name)) active = active === undefined ? committed : Math.min(active, committed);
    }
    return { active, retained };
  }
}
