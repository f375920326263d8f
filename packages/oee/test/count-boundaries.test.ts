// Issue 15, part 1: a count covers (previous time, time]. A count stamped at the end of its interval belongs to
// the window that ends there; with its interval start it is shared between the windows it straddles by time.
import {
  MAX_COUNT_INTERVAL_US,
  computeOee,
  countDeltaFromEvent,
  countReaches,
  rollUp,
  type OeeInput,
} from '../src';
import { HOUR, MIN, RUNNING, at, expectClose, parts, plainShift, state } from './fixtures';

const EARLY = plainShift('early', at(6), at(14));
const LATE = plainShift('late', at(14), at(22));

function window(fromUs: number, toUs: number, overrides: Partial<OeeInput> = {}): OeeInput {
  return {
    range: { fromUs, toUs },
    states: [state(at(6), RUNNING)],
    shifts: [EARLY, LATE],
    settings: { defaultIdealCycleTimeS: 1 },
    ...overrides,
  };
}

describe('a count stamped at the end of its interval', () => {
  const counts = [parts(at(13, 30), 1000, 10), parts(at(14), 1800, 20)];

  it("books a shift's last count, stamped at the shift end, to that shift and not the next", () => {
    const early = computeOee(window(at(6), at(14), { counts }));
    const late = computeOee(window(at(14), at(22), { counts }));
    expect(early.totalCount).toBe(2800);
    expect(early.goodCount).toBe(2770);
    expect(late.totalCount).toBe(0);
  });

  it('books an hourly count at the hour to the hour that ends there', () => {
    const hourly = [parts(at(8), 3600), parts(at(9), 3000)];
    const sevenToEight = computeOee(window(at(7), at(8), { counts: hourly }));
    const eightToNine = computeOee(window(at(8), at(9), { counts: hourly }));
    expect(sevenToEight.totalCount).toBe(3600);
    expect(sevenToEight.performance).toBe(1);
    expect(eightToNine.totalCount).toBe(3000);
  });

  it('counts a count at the start of a range in the range before, so adjacent ranges add up', () => {
    const hourly = [parts(at(6), 50), parts(at(7), 3600), parts(at(8), 3000)];
    const hours = [at(6), at(7), at(8)].map((fromUs) =>
      computeOee(window(fromUs, fromUs + HOUR, { counts: hourly })),
    );
    expect(hours.map((hour) => hour.totalCount)).toEqual([3600, 3000, 0]);
    const whole = computeOee(window(at(6), at(9), { counts: hourly }));
    expect(rollUp(hours).totalCount).toBe(whole.totalCount);
  });

  it('books the count to the order that ran up to its time', () => {
    const orders = [
      { orderId: 'A', startUs: at(6), endUs: at(10), idealCycleTimeS: 2 },
      { orderId: 'B', startUs: at(10), endUs: at(14), idealCycleTimeS: 1 },
    ];
    const result = computeOee(window(at(6), at(14), { orders, counts: [parts(at(10), 100)] }));
    expect(result.idealProductionTimeS).toBe(200);
  });
});

describe('a count with its interval start', () => {
  it('shares a delta straddling the shift end between the shifts by time', () => {
    // 1,200 parts from 13:50 to 14:10: 600 in each shift.
    const straddling = countDeltaFromEvent({
      timeUs: at(14, 10),
      intervalStartUs: at(13, 50),
      totalCount: 1200,
      goodCount: 1170,
      scrapCount: 30,
      orderId: '',
    });
    const early = computeOee(window(at(6), at(14), { counts: [straddling] }));
    const late = computeOee(window(at(14), at(22), { counts: [straddling] }));
    expectClose(early.totalCount, 600);
    expectClose(early.goodCount, 585);
    expectClose(late.totalCount, 600);
    expectClose(late.scrapCount, 15);
    expect(early.idealProductionTimeS).toBe(600);
    expect(at(14, 10) - at(13, 50)).toBe(20 * MIN);
  });

  it('reads the interval start of the event; without it the delta is a point at its time', () => {
    const base = { timeUs: at(14, 10), totalCount: 60, goodCount: 60, scrapCount: 0, orderId: '' };
    expect(countDeltaFromEvent({ ...base, intervalStartUs: at(14) })).toEqual({
      timeUs: at(14, 10),
      fromUs: at(14),
      totalCount: 60,
      goodCount: 60,
      scrapCount: 0,
    });
    expect(countDeltaFromEvent(base)).toEqual({
      timeUs: at(14, 10),
      totalCount: 60,
      goodCount: 60,
      scrapCount: 0,
    });
  });
});

describe('the windows a count reaches', () => {
  const hour = (h: number) => ({ fromUs: at(h), toUs: at(h + 1) });

  it('reaches only the window ending at its time with a point count', () => {
    const count = parts(at(8), 10);
    expect([6, 7, 8].map((h) => countReaches(count, hour(h)))).toEqual([false, true, false]);
  });

  it('reaches every window its interval overlaps', () => {
    const count = parts(at(8, 30), 10, 0, { fromUs: at(6, 30) });
    expect([5, 6, 7, 8, 9].map((h) => countReaches(count, hour(h)))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('books a count whose interval is longer than a day as a point at its time', () => {
    const count = parts(at(14), 1000, 0, { fromUs: at(14) - MAX_COUNT_INTERVAL_US - 1 });
    expect(countReaches(count, hour(12))).toBe(false);
    expect(computeOee(window(at(6), at(14), { counts: [count] })).totalCount).toBe(1000);
    const justADay = parts(at(14), 1000, 0, { fromUs: at(14) - MAX_COUNT_INTERVAL_US });
    expectClose(computeOee(window(at(6), at(14), { counts: [justADay] })).totalCount, 1000 / 3);
  });
});
