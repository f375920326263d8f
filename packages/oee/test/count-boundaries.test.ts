// Issue 15, part 1: a count covers (previous time, time]. A count stamped at the end of its interval belongs to
// the window that ends there; with its interval start it is shared between the windows it straddles by time.
import { computeOee, countDeltaFromEvent, rollUp, type OeeInput } from '../src';
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
