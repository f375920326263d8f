import { MachineState } from '@kiln/contracts';
import type { CountDelta, OeeInput, ShiftSpan, StateChange } from '../src';

/** 2026-11-24T00:00:00Z in microseconds: a fixed day, never the clock. */
export const DAY0_US = Date.UTC(2026, 10, 24) * 1000;
export const S = 1_000_000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;

/** The instant hh:mm(:ss) on the fixture day, in microseconds. */
export function at(hours: number, minutes = 0, seconds = 0): number {
  return DAY0_US + hours * HOUR + minutes * MIN + seconds * S;
}

export const {
  MACHINE_STATE_RUNNING: RUNNING,
  MACHINE_STATE_IDLE: IDLE,
  MACHINE_STATE_STARVED: STARVED,
  MACHINE_STATE_CHANGEOVER: CHANGEOVER,
  MACHINE_STATE_BREAKDOWN: BREAKDOWN,
  MACHINE_STATE_PLANNED_STOP: PLANNED_STOP,
  MACHINE_STATE_NO_ORDER: NO_ORDER,
  MACHINE_STATE_UNKNOWN_STOP: UNKNOWN_STOP,
  MACHINE_STATE_OFFLINE: OFFLINE,
} = MachineState;

export function state(startUs: number, machineState: MachineState, reasonCode = ''): StateChange {
  return { startUs, state: machineState, reasonCode };
}

export function parts(timeUs: number, total: number, scrap = 0, extra: Partial<CountDelta> = {}): CountDelta {
  return { timeUs, totalCount: total, goodCount: total - scrap, scrapCount: scrap, ...extra };
}

/** The early shift 06:00-14:00 with two 15 min breaks (08:00, 12:00) and a 30 min meal (10:00). */
export const EARLY_SHIFT: ShiftSpan = {
  shiftId: '2026-11-24/early',
  startUs: at(6),
  endUs: at(14),
  breaks: [
    { startUs: at(8), endUs: at(8, 15), reason: 'break' },
    { startUs: at(10), endUs: at(10, 30), reason: 'meal' },
    { startUs: at(12), endUs: at(12, 15), reason: 'break' },
  ],
};

/** A shift without breaks, for cases where breaks would only add noise. */
export function plainShift(shiftId: string, startUs: number, endUs: number): ShiftSpan {
  return { shiftId, startUs, endUs, breaks: [] };
}

/** |actual - expected| within 1e-9 relative (1e-9 absolute near 0), as the service compares results. */
export function expectClose(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThanOrEqual(tolerance);
}

/** The classic shift of classic-shift.test.ts, where its figures are worked by hand. */
export const CLASSIC_SHIFT: OeeInput = {
  range: { fromUs: at(6), toUs: at(14) },
  states: [
    state(at(6), RUNNING),
    state(at(7), BREAKDOWN, 'E-101'),
    state(at(7, 30), RUNNING),
    state(at(8), PLANNED_STOP),
    state(at(8, 15), RUNNING),
    state(at(10), PLANNED_STOP),
    state(at(10, 30), RUNNING),
    state(at(11), BREAKDOWN, 'E-205'),
    state(at(11, 17), RUNNING),
    state(at(12), PLANNED_STOP),
    state(at(12, 15), RUNNING),
  ],
  counts: [
    parts(at(6, 59), 3_000, 60),
    parts(at(7, 59), 1_500, 40),
    parts(at(9, 59), 5_600, 120),
    parts(at(10, 59), 1_500, 30),
    parts(at(11, 59), 2_200, 50),
    parts(at(13, 59), 5_471, 123),
  ],
  orders: [],
  shifts: [EARLY_SHIFT],
  settings: { defaultIdealCycleTimeS: 1.0 },
};
