import { OeeWindowKind } from '@kiln/contracts';
import { PLANNED_STOP, RUNNING, expectClose, parts, state } from './fixtures';
import {
  checkTimeZone,
  computeOee,
  dayWindows,
  hourWindows,
  OeeInputError,
  utcOfLocal,
  weeklyShiftSpans,
  windowsFor,
  type WeeklyShift,
} from '../src';

const HOUR_US = 3_600_000_000;
const utcUs = (iso: string): number => Date.parse(iso) * 1000;
const hoursOf = (span: { startUs: number; endUs: number }): number => (span.endUs - span.startUs) / HOUR_US;

const night: WeeklyShift = {
  name: 'night',
  startMinute: 22 * 60,
  endMinute: 6 * 60,
  days: [0, 1, 2, 3, 4, 5, 6],
  breaks: [{ startMinute: 2 * 60, endMinute: 2 * 60 + 30 }],
};

/** The night shift starting on the local evening of `date` (YYYY-MM-DD), in a range around that night. */
function nightFrom(date: string, zone: string): { startUs: number; endUs: number; shiftId: string } {
  const startUs = utcUs(`${date}T12:00:00Z`);
  const spans = weeklyShiftSpans([night], { fromUs: startUs, toUs: startUs + 36 * HOUR_US }, zone);
  const shift = spans.find((span) => span.shiftId === `night@${date}`);
  if (shift === undefined) throw new Error(`no night shift on ${date} in ${zone}`);
  return shift;
}

describe('time zones with daylight saving', () => {
  it.each([
    // Europe: clocks forward on the last Sunday of March at 01:00 UTC, back on the last Sunday of October.
    ['Europe/Berlin', '2026-03-28', '2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z', 7],
    ['Europe/Berlin', '2026-10-24', '2026-10-24T20:00:00Z', '2026-10-25T05:00:00Z', 9],
    // USA: forward on the second Sunday of March at 02:00 local, back on the first Sunday of November.
    ['America/Chicago', '2026-03-07', '2026-03-08T04:00:00Z', '2026-03-08T11:00:00Z', 7],
    ['America/Chicago', '2026-10-31', '2026-11-01T03:00:00Z', '2026-11-01T12:00:00Z', 9],
  ])(
    'runs a 22:00-06:00 night shift in %s starting %s from %s to %s (%d h)',
    (zone, date, from, to, hours) => {
      const shift = nightFrom(date, zone);
      expect(shift.startUs).toBe(utcUs(from));
      expect(shift.endUs).toBe(utcUs(to));
      expect(hoursOf(shift)).toBe(hours);
    },
  );

  it('keeps an ordinary night 8 h long and the break at 02:00 local', () => {
    const shift = weeklyShiftSpans(
      [night],
      { fromUs: utcUs('2026-07-01T12:00:00Z'), toUs: utcUs('2026-07-02T12:00:00Z') },
      'Europe/Berlin',
    ).find((span) => span.shiftId === 'night@2026-07-01');
    expect(shift).toMatchObject({
      startUs: utcUs('2026-07-01T20:00:00Z'),
      endUs: utcUs('2026-07-02T04:00:00Z'),
      breaks: [{ startUs: utcUs('2026-07-02T00:00:00Z'), endUs: utcUs('2026-07-02T00:30:00Z') }],
    });
  });

  it.each([
    ['Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23],
    ['Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25],
    ['America/Chicago', '2026-03-08T12:00:00Z', '2026-03-08T06:00:00Z', '2026-03-09T05:00:00Z', 23],
    ['America/Chicago', '2026-11-01T12:00:00Z', '2026-11-01T05:00:00Z', '2026-11-02T06:00:00Z', 25],
  ])('makes the local day in %s around %s run %s to %s (%d h)', (zone, inside, from, to, hours) => {
    const [day] = dayWindows({ fromUs: utcUs(inside), toUs: utcUs(inside) + 1 }, zone);
    expect(day).toEqual({
      kind: OeeWindowKind.OEE_WINDOW_KIND_DAY,
      startUs: utcUs(from),
      endUs: utcUs(to),
      ref: '',
    });
    expect(hoursOf(day ?? { startUs: 0, endUs: 0 })).toBe(hours);
  });

  it('gives local hours of an hour each, the repeated autumn hour twice', () => {
    const hours = hourWindows(
      { fromUs: utcUs('2026-10-24T22:00:00Z'), toUs: utcUs('2026-10-25T02:00:00Z') },
      'Europe/Berlin',
    );
    expect(hours.map((hour) => new Date(hour.startUs / 1000).toISOString())).toEqual([
      '2026-10-24T22:00:00.000Z', // 00:00 CEST
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET, the repeated hour
    ]);
    expect(hours.every((hour) => hoursOf(hour) === 1)).toBe(true);
  });

  it('aligns hours of a half-hour zone to its local hour', () => {
    const [hour] = hourWindows(
      { fromUs: utcUs('2026-07-01T10:00:00Z'), toUs: utcUs('2026-07-01T10:01:00Z') },
      'Asia/Kolkata',
    );
    expect(hour).toMatchObject({
      startUs: utcUs('2026-07-01T09:30:00Z'),
      endUs: utcUs('2026-07-01T10:30:00Z'),
    });
  });

  it('starts a skipped local time when the clocks jump and a repeated one at its first occurrence', () => {
    const spring = { year: 2026, month: 3, day: 29 };
    const autumn = { year: 2026, month: 10, day: 25 };
    // 02:30 does not exist in Berlin on 29 March: 03:00 CEST = 01:00 UTC.
    expect(utcOfLocal('Europe/Berlin', spring, 150)).toBe(Date.parse('2026-03-29T01:00:00Z'));
    // 02:30 comes twice on 25 October: the first, 02:30 CEST = 00:30 UTC.
    expect(utcOfLocal('Europe/Berlin', autumn, 150)).toBe(Date.parse('2026-10-25T00:30:00Z'));
    expect(utcOfLocal('America/Chicago', { year: 2026, month: 3, day: 8 }, 150)).toBe(
      Date.parse('2026-03-08T08:00:00Z'),
    );
    expect(utcOfLocal('+05:30', { year: 2026, month: 1, day: 1 }, 0)).toBe(
      Date.parse('2025-12-31T18:30:00Z'),
    );
  });

  it('takes the zone of the window calendar, and the deprecated fixed offset without one', () => {
    const range = { fromUs: utcUs('2026-03-29T12:00:00Z'), toUs: utcUs('2026-03-29T12:00:01Z') };
    const day = (calendar: object) =>
      windowsFor(range, calendar).find((window) => window.kind === OeeWindowKind.OEE_WINDOW_KIND_DAY);
    expect(hoursOf(day({ timeZone: 'Europe/Berlin' }) ?? { startUs: 0, endUs: 0 })).toBe(23);
    expect(day({ utcOffsetMinutes: 60 })?.startUs).toBe(utcUs('2026-03-28T23:00:00Z'));
    expect(hoursOf(day({ utcOffsetMinutes: 60 }) ?? { startUs: 0, endUs: 0 })).toBe(24);
  });

  it('refuses a zone name the runtime does not know, naming the field and the value', () => {
    expect(() => checkTimeZone('Europe/Berlinn', 'sites[0].timeZone')).toThrow(OeeInputError);
    expect(() => checkTimeZone('Europe/Berlinn', 'sites[0].timeZone')).toThrow(
      /sites\[0\]\.timeZone: "Europe\/Berlinn" is not an IANA time zone/,
    );
    expect(() => checkTimeZone('+25:00', 'oee.timeZone')).toThrow(/oee\.timeZone/);
    expect(checkTimeZone('America/Chicago', 'x')).toBe('America/Chicago');
  });

  it('computes the worked example of docs/oee.md: the Berlin night across the autumn switch', () => {
    const range = { fromUs: utcUs('2026-10-24T20:00:00Z'), toUs: utcUs('2026-10-25T05:00:00Z') };
    const shifts = weeklyShiftSpans([night], range, 'Europe/Berlin');
    expect(shifts.map((shift) => shift.shiftId)).toEqual(['night@2026-10-24']);
    const result = computeOee({
      range,
      shifts,
      states: [
        state(range.fromUs, RUNNING),
        state(utcUs('2026-10-25T00:00:00Z'), PLANNED_STOP),
        state(utcUs('2026-10-25T00:30:00Z'), RUNNING),
      ],
      counts: [parts(utcUs('2026-10-24T23:00:00Z'), 30_000, 300)],
      orders: [],
      settings: { defaultIdealCycleTimeS: 1 },
    });
    expect(result.calendarTimeS).toBe(32_400);
    expect(result.plannedBusyTimeS).toBe(30_600);
    expect(result.actualProductionTimeS).toBe(30_600);
    expectClose(result.performance, 30_000 / 30_600);
    expectClose(result.quality, 0.99);
    expectClose(result.oee, 29_700 / 30_600);
    expect(result.oee?.toFixed(5)).toBe('0.97059');
  });
});
