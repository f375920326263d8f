import { OeeWindowKind } from '@kiln/contracts';
import { dayWindows, hourWindows, orderWindows, windowsAffectedBy, windowsFor, type OeeWindow } from '../src';
import { DAY0_US, HOUR, MIN, at, plainShift } from './fixtures';

const { OEE_WINDOW_KIND_HOUR: HOUR_KIND, OEE_WINDOW_KIND_DAY: DAY_KIND } = OeeWindowKind;
const SHIFT_KIND = OeeWindowKind.OEE_WINDOW_KIND_SHIFT;
const ORDER_KIND = OeeWindowKind.OEE_WINDOW_KIND_ORDER;

const calendar = {
  shifts: [plainShift('early', at(6), at(14)), plainShift('late', at(14), at(22))],
  orders: [
    { orderId: 'A', startUs: at(5), endUs: at(9), idealCycleTimeS: 1 },
    { orderId: 'B', startUs: at(9), idealCycleTimeS: 2 },
  ],
};

const brief = (windows: OeeWindow[]): string[] =>
  windows.map((w) =>
    `${OeeWindowKind[w.kind]} ${(w.startUs - DAY0_US) / MIN}-${(w.endUs - DAY0_US) / MIN} ${w.ref}`.trim(),
  );

describe('windows', () => {
  it('gives the whole UTC hours a range overlaps', () => {
    expect(brief(hourWindows({ fromUs: at(6, 30), toUs: at(8, 10) }))).toEqual([
      'OEE_WINDOW_KIND_HOUR 360-420',
      'OEE_WINDOW_KIND_HOUR 420-480',
      'OEE_WINDOW_KIND_HOUR 480-540',
    ]);
    expect(hourWindows({ fromUs: at(7), toUs: at(7) })).toEqual([]);
  });

  it('gives local days for a fixed UTC offset', () => {
    expect(dayWindows({ fromUs: at(12), toUs: at(13) })).toEqual([
      { kind: DAY_KIND, startUs: DAY0_US, endUs: DAY0_US + 24 * HOUR, ref: '' },
    ]);
    // CET (+60 min): the local day 2026-11-24 runs from 23:00 UTC the day before.
    expect(dayWindows({ fromUs: at(23, 30), toUs: at(23, 40) }, 60)).toEqual([
      { kind: DAY_KIND, startUs: at(23), endUs: at(47), ref: '' },
    ]);
    expect(() => dayWindows({ fromUs: 0, toUs: 1 }, 15 * 60)).toThrow(/utcOffsetMinutes/);
  });

  it('gives shift and order windows named by their id; an open order ends where the caller says', () => {
    const range = { fromUs: at(8), toUs: at(15) };
    expect(brief(windowsFor(range, calendar).filter((w) => w.kind === SHIFT_KIND))).toEqual([
      'OEE_WINDOW_KIND_SHIFT 360-840 early',
      'OEE_WINDOW_KIND_SHIFT 840-1320 late',
    ]);
    expect(brief(orderWindows(range, calendar.orders))).toEqual(['OEE_WINDOW_KIND_ORDER 300-540 A']);
    expect(brief(orderWindows(range, calendar.orders, at(16)))).toEqual([
      'OEE_WINDOW_KIND_ORDER 300-540 A',
      'OEE_WINDOW_KIND_ORDER 540-960 B',
    ]);
  });

  it('finds the windows a late event falls into', () => {
    const affected = windowsAffectedBy(at(8, 59), { ...calendar, openOrderEndUs: at(16) });
    expect(brief(affected)).toEqual([
      'OEE_WINDOW_KIND_HOUR 480-540',
      'OEE_WINDOW_KIND_SHIFT 360-840 early',
      'OEE_WINDOW_KIND_ORDER 300-540 A',
      'OEE_WINDOW_KIND_DAY 0-1440',
    ]);
  });

  it('finds every window a late interval overlaps', () => {
    const affected = windowsAffectedBy({ fromUs: at(13, 50), toUs: at(14, 20) }, calendar);
    expect(affected.filter((w) => w.kind === HOUR_KIND)).toHaveLength(2);
    expect(affected.filter((w) => w.kind === SHIFT_KIND).map((w) => w.ref)).toEqual(['early', 'late']);
    expect(affected.filter((w) => w.kind === ORDER_KIND)).toEqual([]);
  });
});
