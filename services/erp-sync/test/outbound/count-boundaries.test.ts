// Issue 15, part 1, in the ERP confirmations: a count covers (previous time, time], so a count stamped at a shift
// end or at an interval boundary is confirmed with the shift or interval that ends there, not the next one (over the
// in-process bus and a real PostgreSQL).
import type { BusRecord } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { partialConfirmationKey } from '../../src/outbound';
import {
  countEvents,
  oeeResultEvent,
  RecordingErp,
  releasedOrder,
  startOutboundSuite,
  storeCounts,
  storeStates,
  type CountRow,
  type OutboundSuite,
} from './support';

const PRESS = 'acme/plant-1/pressing/line-2/press-04';
const HOUR_6 = Date.UTC(2026, 11, 1, 6) * 1000;
const MINUTE = 60_000_000;
const at = (minutesAfter6: number) => HOUR_6 + minutesAfter6 * MINUTE;

/** The confirmations the ERP received, as [boundary key, yield, scrap], by key. */
function booked(erp: RecordingErp): [string, number, number][] {
  return erp.created
    .flatMap((posted) => (posted.kind === 'confirmation' ? [posted.body] : []))
    .map((body): [string, number, number] => [body.idempotencyKey, body.yieldQuantity, body.scrapQuantity])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

// A-100 counts 10 (1 scrap) at 10:00, 8 (2 scrap) stamped at 14:00, the end of the early shift, and 9 at 14:10.
const COUNTS: CountRow[] = [
  [at(240), 10, 1, 'A-100'],
  [at(480), 8, 2, 'A-100'],
  [at(490), 9, 0, 'A-100'],
];

describeWith(['postgres'], 'count boundaries in the confirmations', () => {
  describe('at a shift end', () => {
    let suite: OutboundSuite;
    const erp = new RecordingErp();
    const dead: BusRecord[] = [];

    beforeAll(async () => {
      suite = await startOutboundSuite({
        adapter: erp,
        dead,
        section: { confirmations: { atShiftEnd: true } },
        orders: [releasedOrder(HOUR_6, at(1440))],
      });
    });
    afterAll(() => suite.stop());

    it("confirms the shift's last count, stamped at its end, with that shift", async () => {
      const { database, bus, service } = suite;
      await storeCounts(database, PRESS, COUNTS);
      await storeStates(database, PRESS, [[at(0), 'RUNNING']]);
      await bus.publish(topics.productionCount.name, countEvents(PRESS, COUNTS));
      await waitUntil(async () => (await database.store.progressOf(PRESS))?.lastUs === at(490), {
        timeoutMs: 10_000,
        what: 'A-100 counted through 14:10',
      });
      await bus.publish(topics.oee.name, [
        oeeResultEvent(PRESS, { startUs: at(0), endUs: at(480), ref: 'early@2026-12-01' }),
      ]);
      await waitUntil(async () => (await database.store.progressOf(PRESS))?.confirmedThroughUs === at(480), {
        timeoutMs: 10_000,
        what: 'A-100 confirmed through 14:00',
      });
      expect(await service.outbound.flush()).toBe(1);
      expect(booked(erp)).toEqual([[partialConfirmationKey('A-100', '0010', PRESS, at(480)), 18, 3]]);
    });
  });

  describe('at an interval boundary', () => {
    let suite: OutboundSuite;
    const erp = new RecordingErp();
    const dead: BusRecord[] = [];

    beforeAll(async () => {
      suite = await startOutboundSuite({
        adapter: erp,
        dead,
        section: { confirmations: { partialEveryMinutes: 120 } },
        orders: [releasedOrder(HOUR_6, at(1440))],
      });
    });
    afterAll(() => suite.stop());

    it('confirms a count stamped at the 14:00 boundary through 14:00 (2-hour intervals), once a later count arrives', async () => {
      const { database, bus, service } = suite;
      await storeCounts(database, PRESS, COUNTS);
      await storeStates(database, PRESS, [[at(0), 'RUNNING']]);
      await bus.publish(topics.productionCount.name, countEvents(PRESS, COUNTS));
      await waitUntil(async () => (await database.store.progressOf(PRESS))?.lastUs === at(490), {
        timeoutMs: 10_000,
        what: 'A-100 counted through 14:10',
      });
      expect(await database.store.progressOf(PRESS)).toMatchObject({ confirmedThroughUs: at(480) });
      // Through 12:00 when the count at 14:00 arrives (its parts were made before 14:00), through 14:00 with it
      // when the count at 14:10 does.
      expect(await service.outbound.flush()).toBe(2);
      expect(booked(erp)).toEqual(
        [
          [partialConfirmationKey('A-100', '0010', PRESS, at(360)), 10, 1],
          [partialConfirmationKey('A-100', '0010', PRESS, at(480)), 8, 2],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    });
  });
});
