// Partial confirmations at shift ends (confirmations.atShiftEnd) over the in-process bus and a real PostgreSQL: the
// OEE service's result of a closed shift confirms the order running on the asset through the shift's end, once
// however often the result is delivered or recomputed; results of other windows decide nothing; an order whose
// changeover runs past a shift end is booked up to that end and the next order's time starts there, so the
// confirmations of both orders add up to their counts and cover the time once.
import type { BusRecord, InProcessBus } from '@kiln/bus';
import { dlqHeaderNames, OeeWindowKind, topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import type { OrderConfirmation } from '../../src/adapters/types';
import {
  finalConfirmationKey,
  outboundInputTopics,
  outboundSectionSchema,
  partialConfirmationKey,
} from '../../src/outbound';
import {
  countEvents,
  countsEvent,
  storeCounts,
  storeStates,
  type CountRow,
  oeeResultEvent,
  RecordingErp,
  releasedOrder,
  startOutboundSuite,
  type OutboundSuite,
  type RunningOutbound,
  type TestDatabase,
} from './support';

const PRESS = 'acme/plant-1/pressing/line-2/press-04';
const HOUR_6 = Date.UTC(2026, 11, 1, 6) * 1000;
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const at = (minutesAfter6: number) => HOUR_6 + minutesAfter6 * MINUTE;
/** The three shifts of the day from 06:00: early, late and night, eight hours each. */
const SHIFTS = {
  early: { startUs: at(0), endUs: at(480), ref: 'early@2026-12-01' },
  late: { startUs: at(480), endUs: at(960), ref: 'late@2026-12-01' },
  night: { startUs: at(960), endUs: at(1440), ref: 'night@2026-12-01' },
};

describe('outboundInputTopics', () => {
  it('reads the OEE results only when shift ends are confirmed', () => {
    const section = (confirmations: Record<string, unknown>) =>
      outboundSectionSchema.parse({ confirmations });
    expect(outboundInputTopics(section({}))).not.toContain(topics.oee.name);
    expect(outboundInputTopics(section({ atShiftEnd: true }))).toContain(topics.oee.name);
    expect(outboundInputTopics(section({ atShiftEnd: true, enabled: false }))).not.toContain(topics.oee.name);
  });
});

describeWith(['postgres'], 'confirmations at shift ends', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let service: RunningOutbound;
  let suite: OutboundSuite;
  const erp = new RecordingErp();
  const dead: BusRecord[] = [];

  beforeAll(async () => {
    const released = releasedOrder(HOUR_6, at(1440));
    suite = await startOutboundSuite({
      adapter: erp,
      dead,
      section: { confirmations: { atShiftEnd: true } },
      orders: [released, { ...released, orderId: 'B-200' }],
    });
    ({ database, bus, service } = suite);
  });

  afterAll(() => suite.stop());

  const progress = () => database.store.progressOf(PRESS);

  it('confirms the running order through each shift end once, and books the time of two orders once', async () => {
    // A-100 runs across the 14:00 shift end, its last part at 15:00; the changeover to B-200 lasts past the 22:00
    // shift end, B-200's first part comes at 22:30.
    const counts: CountRow[] = [
      [at(20), 10, 1, 'A-100'],
      [at(240), 12, 0, 'A-100'],
      [at(470), 8, 2, 'A-100'],
      [at(490), 9, 0, 'A-100'],
      [at(540), 5, 1, 'A-100'],
      [at(990), 4, 0, 'B-200'],
      [at(1020), 6, 1, 'B-200'],
    ];
    await storeCounts(database, PRESS, counts);
    await storeStates(database, PRESS, [
      [at(0), 'RUNNING'],
      [at(540), 'CHANGEOVER'],
      [at(990), 'RUNNING'],
    ]);
    const eventsOf = (rows: readonly CountRow[]) => countEvents(PRESS, rows);

    // A-100 counted past 14:00; the early shift closes. The hour 14:00-15:00 and an order window closing too decide
    // nothing; the shift's result comes three times (a redelivery, a recomputed revision).
    await bus.publish(topics.productionCount.name, eventsOf(counts.slice(0, 4)));
    await waitUntil(async () => (await progress())?.lastUs === at(490), {
      timeoutMs: 10_000,
      what: 'A-100 counted through 14:10',
    });
    await bus.publish(topics.oee.name, [
      oeeResultEvent(PRESS, {
        startUs: at(480),
        endUs: at(540),
        ref: '',
        kind: OeeWindowKind.OEE_WINDOW_KIND_HOUR,
      }),
      oeeResultEvent(PRESS, {
        startUs: at(20),
        endUs: at(500),
        ref: 'A-100',
        kind: OeeWindowKind.OEE_WINDOW_KIND_ORDER,
      }),
      oeeResultEvent(PRESS, SHIFTS.early),
      oeeResultEvent(PRESS, SHIFTS.early),
      oeeResultEvent(PRESS, { ...SHIFTS.early, revision: 2 }),
      // A shift of an asset that counted nothing yet: nothing to confirm.
      oeeResultEvent('acme/plant-1/pressing/line-2/press-05', SHIFTS.early),
      // No asset: refused to the dead-letter topic, the partition keeps flowing.
      oeeResultEvent('', SHIFTS.early),
    ]);
    await waitUntil(() => dead.length === 1, { timeoutMs: 10_000, what: 'the result without an asset' });
    expect(dead[0]?.headers[dlqHeaderNames.error]).toMatch(/has no asset id/);
    // The record without an asset went to another partition, which may finish before press-04's.
    await waitUntil(async () => (await progress())?.confirmedThroughUs === at(480), {
      timeoutMs: 10_000,
      what: 'A-100 confirmed through 14:00',
    });
    expect(await progress()).toMatchObject({ orderId: 'A-100', confirmedThroughUs: at(480) });
    const earlyKey = partialConfirmationKey('A-100', '0010', PRESS, at(480));
    expect((await database.store.listOutbox(100)).map((row) => [row.id, row.revision])).toEqual([
      [earlyKey, 'partial/2026-12-01T14:00:00.000Z'],
    ]);

    // A-100's last part at 15:00, then a changeover: the late shift closes while it lasts.
    await bus.publish(topics.productionCount.name, eventsOf(counts.slice(4, 5)));
    await waitUntil(async () => (await progress())?.lastUs === at(540), {
      timeoutMs: 10_000,
      what: 'A-100 counted through 15:00',
    });
    await bus.publish(topics.oee.name, [oeeResultEvent(PRESS, SHIFTS.late)]);
    await waitUntil(async () => (await progress())?.confirmedThroughUs === at(960), {
      timeoutMs: 10_000,
      what: 'A-100 confirmed through 22:00',
    });

    // B-200's first parts complete A-100; the night shift closes; then everything is delivered again.
    await bus.publish(topics.productionCount.name, eventsOf(counts.slice(5)));
    await waitUntil(async () => (await progress())?.lastUs === at(1020), {
      timeoutMs: 10_000,
      what: 'B-200 counted through 23:00',
    });
    expect(await progress()).toMatchObject({ orderId: 'B-200', firstUs: at(960) });
    await bus.publish(topics.oee.name, [oeeResultEvent(PRESS, SHIFTS.night)]);
    await waitUntil(async () => (await progress())?.confirmedThroughUs === at(1440), {
      timeoutMs: 10_000,
      what: 'B-200 confirmed through 06:00',
    });
    await bus.publish(topics.productionCount.name, eventsOf(counts));
    await bus.publish(
      topics.oee.name,
      Object.values(SHIFTS).map((shift) => oeeResultEvent(PRESS, shift)),
    );
    await bus.publish(topics.productionCount.name, [
      countsEvent(PRESS, [{ timeUs: at(1030), orderId: 'B-200' }]),
    ]);
    await waitUntil(async () => (await progress())?.lastUs === at(1030), {
      timeoutMs: 10_000,
      what: 'the replay',
    });

    const lateKey = partialConfirmationKey('A-100', '0010', PRESS, at(960));
    const finalKey = finalConfirmationKey('A-100', '0010', PRESS);
    const nightKey = partialConfirmationKey('B-200', '0010', PRESS, at(1440));
    expect((await database.store.listOutbox(100)).map((row) => row.id).sort()).toEqual(
      [earlyKey, lateKey, finalKey, nightKey].sort(),
    );
    expect(await service.outbound.flush()).toBe(4);
    expect(await service.outbound.flush()).toBe(0);
    expect(dead).toHaveLength(1);
    expect(erp.calls).toHaveLength(4);

    const confirmations = erp.created.flatMap((posted) =>
      posted.kind === 'confirmation' ? [posted.body] : [],
    );
    const common = { operationId: '0010', workCenter: 'WC-PRESS', quantityUnit: 'PC' };
    const confirmation = (
      [orderId, idempotencyKey]: [string, string],
      [startMinutes, endMinutes]: [number, number],
      [yieldQuantity, scrapQuantity]: [number, number],
      [machineTimeS, setupTimeS]: [number, number],
      final: boolean,
    ): OrderConfirmation => ({
      ...common,
      orderId,
      idempotencyKey,
      yieldQuantity,
      scrapQuantity,
      machineTimeS,
      setupTimeS,
      downTimeS: 0,
      startUs: at(startMinutes),
      endUs: at(endMinutes),
      final,
    });
    expect(confirmations.sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs)).toEqual([
      confirmation(['A-100', earlyKey], [20, 480], [30, 3], [460 * 60, 0], false),
      confirmation(['A-100', lateKey], [480, 960], [14, 1], [60 * 60, 420 * 60], false),
      // Completed by B-200's first part; everything of A-100 was booked through 22:00 already.
      confirmation(['A-100', finalKey], [960, 960], [0, 0], [0, 0], true),
      // B-200's setup starts at 22:00, where A-100's booked time ended, not at A-100's last part.
      confirmation(['B-200', nightKey], [960, 1440], [10, 1], [450 * 60, 30 * 60], false),
    ]);
    for (const orderId of ['A-100', 'B-200']) {
      const totals = await database.store.orderCounts(PRESS, orderId);
      const booked = confirmations.filter((body) => body.orderId === orderId);
      expect([
        booked.reduce((sum, body) => sum + body.yieldQuantity, 0),
        booked.reduce((sum, body) => sum + body.scrapQuantity, 0),
      ]).toEqual([totals.goodCount, totals.scrapCount]);
    }
  });
});
