// A consumer group in process: its members, its committed offsets, and which member owns which partition.
import type { TopicPartition } from '../types';
import type { RetainingGroup, TopicLog } from './topic-log';

/** A member as the group sees it. */
export interface GroupMember {
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  /** A leaving member gets no partitions; it drains what it had. */
  isLeaving(): boolean;
  /** Stops the partitions it no longer owns (the batch in flight finishes or is abandoned). */
  revokeAllBut(keep: ReadonlySet<string>): void;
  /** Starts the partitions it gained. */
  assign(partitions: readonly TopicPartition[]): void;
}

/** What a new owner waits for before it starts a partition. */
export interface PartitionOwnership {
  readonly finished: Promise<void>;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

export class ConsumerGroup implements RetainingGroup {
  private readonly members: GroupMember[] = [];
  private readonly committed = new Map<string, number[]>();
  private readonly lastOwners = new Map<string, PartitionOwnership>();

  constructor(
    readonly groupId: string,
    private readonly topicLog: (name: string) => TopicLog,
    /** Called after every commit and join: whoever waits for this group's offsets looks again. */
    private readonly onOffsetsChanged: () => void = () => undefined,
  ) {}

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topic)?.[partition];
  }

  consumes(topic: string): boolean {
    return this.members.some((member) => member.topics.includes(topic));
  }

  /** Records the next offset to read; the log may trim behind it and admit waiting publishes. */
  commit(topic: string, partition: number, nextOffset: number): void {
    const offsets = this.committed.get(topic);
    if (offsets === undefined) return;
    offsets[partition] = nextOffset;
    this.topicLog(topic).partition(partition).retentionChanged();
    this.onOffsetsChanged();
  }

  /**
   * Adds a member and rebalances. A group without offsets for a topic starts at the oldest record held
   * (fromBeginning) or at the end of each partition; those offsets then hold the records until read.
   */
  join(member: GroupMember): void {
    for (const topic of member.topics) {
      if (this.committed.has(topic)) continue;
      const log = this.topicLog(topic);
      this.committed.set(
        topic,
        log.partitions.map((partition) =>
          member.fromBeginning ? partition.startOffset : partition.endOffset,
        ),
      );
      log.addGroup(this);
    }
    this.members.push(member);
    this.rebalance();
    this.onOffsetsChanged();
  }

  /** The member (now leaving) hands its partitions to the others; each new owner waits for it to finish. */
  leave(): void {
    this.rebalance();
  }

  /** The member has drained: its offsets no longer hold publishers back unless other members read the topic. */
  remove(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    for (const topic of member.topics) this.topicLog(topic).retentionChanged();
  }

  /**
   * Makes `owner` the partition's latest owner and returns what the previous owner is still doing: never are two
   * members inside a batch of one partition, as with Kafka's cooperative rebalance.
   */
  handOver(topic: string, partition: number, owner: PartitionOwnership): Promise<void> | undefined {
    const key = partitionKey(topic, partition);
    const previous = this.lastOwners.get(key);
    this.lastOwners.set(key, owner);
    return previous?.finished;
  }

  /**
   * Partition p of every topic goes to the (p mod n)-th member reading that topic, in join order. Members that
   * read the same topics thus own the same partition numbers of each, so one asset's records of every per-asset
   * topic meet in one member (docs/architecture.md section 2).
   */
  private rebalance(): void {
    const eligible = this.members.filter((member) => !member.isLeaving());
    const plan = new Map<GroupMember, TopicPartition[]>(eligible.map((member) => [member, []]));
    const topics = [...new Set(eligible.flatMap((member) => member.topics))].sort();
    for (const topic of topics) {
      const readers = eligible.filter((member) => member.topics.includes(topic));
      const partitions = this.topicLog(topic).partitions.length;
      for (let partition = 0; partition < partitions; partition += 1) {
        const owner = readers[partition % readers.length];
        if (owner !== undefined) plan.get(owner)?.push({ topic, partition });
      }
    }
    // Every revocation first, so a partition's new owner finds its previous owner already stopping.
    for (const member of this.members) {
      const keep = new Set(
        (plan.get(member) ?? []).map(({ topic, partition }) => partitionKey(topic, partition)),
      );
      member.revokeAllBut(keep);
    }
    for (const member of this.members) member.assign(plan.get(member) ?? []);
  }
}
