// Contract: a group of two members shares a keyed stream; one leaves mid-stream. Afterwards every event was
// handled at least once, duplicates come only from the rebalance, and per-key order never went backwards.
// The leaving member is caught in the middle of a batch that overruns its drain deadline, the hard case:
// that batch is aborted uncommitted and the remaining member must handle it again.
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { EventBus, Subscription } from '../../src';
import { decode, encode, freshTopic, joined, type BusHarness } from './harness';

const EVENTS = 100_000;
const KEYS = 500;
const PARTITIONS = 12;
const PUBLISH_BATCH = 1_000;
const MAX_BATCH = 500;
const DRAIN_MS = 500;

interface Handling {
  seq: number;
  member: 'a' | 'b';
  at: number;
}

export function rebalanceContract(harness: BusHarness): void {
  let bus: EventBus;
  beforeEach(async () => {
    bus = await harness.createBus({ drainTimeoutMs: DRAIN_MS });
  });
  afterEach(async () => {
    await bus.close();
  });

  it(`handles ${EVENTS.toLocaleString('en')} keyed events through a member leaving mid-stream`, async () => {
    const topic = await freshTopic(bus, PARTITIONS);
    const groupId = uniqueName('rebalance');
    const perKey = new Map<string, Handling[]>();
    const distinct = new Set<string>();
    let handledTotal = 0;
    let stallB = false;
    let bStalled = false;
    const member = (name: 'a' | 'b'): Promise<Subscription> =>
      bus.subscribe({
        groupId,
        topics: [topic],
        maxBatchSize: MAX_BATCH,
        handler: async (batch, context) => {
          const at = Date.now();
          for (const record of batch.records) {
            const event = decode(record);
            let list = perKey.get(event.key);
            if (!list) perKey.set(event.key, (list = []));
            list.push({ seq: event.seq, member: name, at });
            distinct.add(`${event.key}#${event.seq}`);
            handledTotal += 1;
          }
          if (name === 'b' && stallB) {
            // Stuck past the drain deadline: the bus must abort this batch and never commit it.
            bStalled = true;
            await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
            throw new Error('aborted while leaving');
          }
          // A little work per batch, so the stream is still flowing when member b leaves.
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      });

    const a = await member('a');
    const b = await member('b');
    await joined(a, harness);
    await joined(b, harness);
    await waitUntil(
      () => a.assignments().length + b.assignments().length === PARTITIONS && b.assignments().length > 0,
      {
        timeoutMs: harness.joinTimeoutMs,
        what: 'the partitions to be shared by both members',
        describe: () => `a ${a.assignments().length}, b ${b.assignments().length}`,
      },
    );

    const publishing = (async () => {
      const nextSeq = new Array<number>(KEYS).fill(0);
      for (let start = 0; start < EVENTS; start += PUBLISH_BATCH) {
        const records = [];
        for (let i = start; i < Math.min(EVENTS, start + PUBLISH_BATCH); i += 1) {
          const keyIndex = i % KEYS;
          const seq = nextSeq[keyIndex] ?? 0;
          nextSeq[keyIndex] = seq + 1;
          records.push(encode({ key: `asset-${keyIndex}`, seq }));
        }
        await bus.publish(topic, records);
      }
    })();

    await waitUntil(() => handledTotal >= EVENTS / 4, {
      timeoutMs: 120_000,
      what: 'a quarter of the stream',
    });
    const handledBeforeLeave = distinct.size;
    stallB = true;
    await waitUntil(() => bStalled, { timeoutMs: 30_000, what: 'member b to be inside a batch' });
    const bHandled = countBy(perKey, 'b');
    await b.close();
    await waitUntil(() => a.isReady() && a.assignments().length === PARTITIONS, {
      timeoutMs: harness.joinTimeoutMs,
      what: 'member a to take over every partition',
      describe: () => `a owns ${a.assignments().length}`,
    });
    const rebalancedAt = Date.now();

    await publishing;
    await waitUntil(() => distinct.size >= EVENTS, {
      timeoutMs: 180_000,
      what: 'every event handled',
      describe: () => `${distinct.size} distinct of ${EVENTS}`,
    });
    await a.close();

    // Member b left mid-stream: it had done part of the work, and most of the stream came after.
    expect(bHandled).toBeGreaterThan(0);
    expect(handledBeforeLeave).toBeLessThan(EVENTS / 2);
    expect(distinct.size).toBe(EVENTS);

    let duplicates = 0;
    for (const [key, handlings] of perKey) {
      const firstHandledAt = new Map<number, number>();
      let maxSeen = -1;
      for (const handling of handlings) {
        // Order never went backwards past what was handled: no event is handled before its predecessor.
        if (handling.seq > maxSeen + 1) {
          throw new Error(`${key}: seq ${handling.seq} handled before seq ${maxSeen + 1}`);
        }
        maxSeen = Math.max(maxSeen, handling.seq);
        const first = firstHandledAt.get(handling.seq);
        if (first === undefined) {
          firstHandledAt.set(handling.seq, handling.at);
          continue;
        }
        // A duplicate is a replay of a batch whose commit the rebalance took away: first handled before it ended.
        duplicates += 1;
        if (first > rebalancedAt) {
          throw new Error(
            `${key}: seq ${handling.seq} handled twice although first handled after the rebalance`,
          );
        }
      }
    }
    // The aborted batch was handled again; beyond it, at most the batches in flight at the rebalance.
    expect(duplicates).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(PARTITIONS * MAX_BATCH * 2);
  }, 300_000);
}

function countBy(perKey: Map<string, Handling[]>, name: 'a' | 'b'): number {
  let count = 0;
  for (const handlings of perKey.values()) count += handlings.filter((h) => h.member === name).length;
  return count;
}
