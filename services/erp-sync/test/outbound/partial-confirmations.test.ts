// Partial confirmations (confirmations.partialEveryMinutes) over the in-process bus and a real PostgreSQL: an order
// running across interval boundaries is confirmed through each boundary and then finally for the rest, each
// confirmation once however often its counts are delivered, and the confirmations add up to the order's counts
// and span exactly.
import type { BusRecord, InProcessBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import type { OrderConfirmation } from '../../src/adapters/types';
import { finalConfirmationKey, intervalBoundaryUs, partialConfirmationKey } from '../../src/outbound';
import {
  countEvents,
  countsEvent,
  storeCounts,
  storeStates,
  type CountRow,
  RecordingErp,
  startOutboundSuite,
  type OutboundSuite,
  type RunningOutbound,
  type TestDatabase,
  releasedOrder,
} from './support';

const PRESS = 'acme/plant-1/pressing/line-2/press-04';
const HOUR_6 = Date.UTC(2026, 11, 1, 6) * 1000;
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const at = (minutesAfter6: number) => HOUR_6 + minutesAfter6 * MINUTE;

describe('intervalBoundaryUs', () => {
  it('puts boundaries at multiples of the interval since the epoch', () => {
    expect(intervalBoundaryUs(at(59), 60)).toBe(HOUR_6);
    expect(intervalBoundaryUs(at(60), 60)).toBe(at(60));
    expect(intervalBoundaryUs(at(44), 15)).toBe(at(30));
    expect(intervalBoundaryUs(at(8 * 60 + 1), 8 * 60)).toBe(Date.UTC(2026, 11, 1, 8) * 1000);
  });
});

describeWith(['postgres'], 'partial confirmations', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let service: RunningOutbound;
  let suite: OutboundSuite;
  const erp = new RecordingErp();
  const dead: BusRecord[] = [];

  beforeAll(async () => {
    suite = await startOutboundSuite({
      adapter: erp,
      dead,
      section: { confirmations: { partialEveryMinutes: 60 } },
      orders: [releasedOrder(HOUR_6, at(240))],
    });
    ({ database, bus, service } = suite);
  });

  afterAll(() => suite.stop());

  const progressAt = async (lastUs: number) => (await database.store.progressOf(PRESS))?.lastUs === lastUs;

  it('confirms a running order through each hour boundary and the rest finally, each once, adding up to its counts', async () => {
    // A-100 from 06:20 to 09:20 crosses 07:00, 08:00 and 09:00.
    const counts: CountRow[] = [
      [at(20), 10, 1, 'A-100'],
      [at(50), 12, 0, 'A-100'],
      [at(70), 8, 2, 'A-100'],
      [at(100), 9, 0, 'A-100'],
      [at(150), 15, 1, 'A-100'],
      [at(185), 7, 0, 'A-100'],
      [at(200), 5, 1, 'A-100'],
      [at(210), 4, 0, 'B-200'],
    ];
    await storeCounts(database, PRESS, counts);
    // Running throughout but for a breakdown 07:50-08:10 across the 08:00 boundary.
    await storeStates(database, PRESS, [
      [at(0), 'RUNNING'],
      [at(110), 'BREAKDOWN'],
      [at(130), 'RUNNING'],
    ]);
    const eventsOf = (rows: readonly CountRow[]) => countEvents(PRESS, rows);
    // Every count delivered twice: the first five while A-100 runs, then the rest with B-200's first count.
    const running = eventsOf(counts.slice(0, 5));
    await bus.publish(topics.productionCount.name, running);
    await bus.publish(topics.productionCount.name, running);
    await waitUntil(() => progressAt(at(150)), { timeoutMs: 10_000, what: 'A-100 counted through 08:30' });
    const key = (boundaryMinutes: number) =>
      partialConfirmationKey('A-100', '0010', PRESS, at(boundaryMinutes));
    expect((await database.store.listOutbox(100)).map((row) => [row.id, row.revision]).sort()).toEqual(
      [
        [key(60), 'partial/2026-12-01T07:00:00.000Z'],
        [key(120), 'partial/2026-12-01T08:00:00.000Z'],
      ].sort(),
    );
    expect(await database.store.progressOf(PRESS)).toMatchObject({
      orderId: 'A-100',
      confirmedThroughUs: at(120),
    });
    // A count that arrives late, timed before the 07:00 boundary already confirmed: the final books it.
    const late: CountRow = [at(30), 3, 0, 'A-100'];
    await storeCounts(database, PRESS, [late]);
    await bus.publish(topics.productionCount.name, eventsOf([late]));
    const rest = eventsOf(counts.slice(5));
    await bus.publish(topics.productionCount.name, rest);
    await bus.publish(topics.productionCount.name, [...running, ...rest]);
    await bus.publish(topics.productionCount.name, [
      countsEvent(PRESS, [{ timeUs: at(215), orderId: 'B-200' }]),
    ]);
    await waitUntil(() => progressAt(at(215)), { timeoutMs: 10_000, what: 'the replay' });

    const finalKey = finalConfirmationKey('A-100', '0010', PRESS);
    expect((await database.store.listOutbox(100)).map((row) => row.id).sort()).toEqual(
      [key(60), key(120), key(180), finalKey].sort(),
    );
    expect(await service.outbound.flush()).toBe(4);
    expect(await service.outbound.flush()).toBe(0);
    expect(dead).toEqual([]);
    const confirmations = erp.created
      .flatMap((posted) => (posted.kind === 'confirmation' ? [posted.body] : []))
      .sort((a, b) => a.startUs - b.startUs);
    expect(erp.calls).toHaveLength(4);
    const common = { orderId: 'A-100', operationId: '0010', workCenter: 'WC-PRESS', quantityUnit: 'PC' };
    const confirmation = (
      idempotencyKey: string,
      [startMinutes, endMinutes]: [number, number],
      [yieldQuantity, scrapQuantity]: [number, number],
      [machineTimeS, downTimeS]: [number, number],
      final: boolean,
    ): OrderConfirmation => ({
      ...common,
      idempotencyKey,
      yieldQuantity,
      scrapQuantity,
      machineTimeS,
      setupTimeS: 0,
      downTimeS,
      startUs: at(startMinutes),
      endUs: at(endMinutes),
      final,
    });
    expect(confirmations).toEqual([
      confirmation(key(60), [20, 60], [22, 1], [40 * 60, 0], false),
      confirmation(key(120), [60, 120], [17, 2], [50 * 60, 10 * 60], false),
      confirmation(key(180), [120, 180], [15, 1], [50 * 60, 10 * 60], false),
      confirmation(finalKey, [180, 200], [12 + 3, 1], [20 * 60, 0], true),
    ]);
    // Together exactly the order's counts and span: 06:20-09:20 less the 20-minute breakdown.
    const totals = await database.store.orderCounts(PRESS, 'A-100');
    const sum = (field: 'yieldQuantity' | 'scrapQuantity' | 'machineTimeS' | 'downTimeS') =>
      confirmations.reduce((total, body) => total + body[field], 0);
    expect([sum('yieldQuantity'), sum('scrapQuantity')]).toEqual([totals.goodCount, totals.scrapCount]);
    expect(sum('machineTimeS') + sum('downTimeS')).toBe((3 * HOUR) / SECOND);
    // Each delivered confirmation keeps its own link; the final one the order operation's plain reference.
    expect(await database.store.linkOfKiln('confirmation', `A-100/0010/${PRESS}`, 'test-erp')).toMatchObject({
      erpRef: (await database.store.outboxEntry(finalKey))?.erpRef,
    });
    expect(
      await database.store.linkOfKiln(
        'confirmation',
        `A-100/0010/${PRESS}#partial/2026-12-01T07:00:00.000Z`,
        'test-erp',
      ),
    ).toMatchObject({ erpRef: (await database.store.outboxEntry(key(60)))?.erpRef });
  });
});
