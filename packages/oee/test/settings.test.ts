import { DEFAULT_OEE_SETTINGS, computeOee, resolveOeeSettings, type OeeInput } from '../src';
import {
  CLASSIC_SHIFT,
  IDLE,
  NO_ORDER,
  RUNNING,
  at,
  expectClose,
  parts,
  plainShift,
  state,
} from './fixtures';

const DAY_SHIFT = plainShift('day', at(6), at(14));

function shiftWith(states: OeeInput['states'], settings: OeeInput['settings']): OeeInput {
  return {
    range: { fromUs: at(6), toUs: at(14) },
    states,
    counts: [parts(at(13), 20_000, 0)],
    shifts: [DAY_SHIFT],
    settings,
  };
}

describe('settings', () => {
  it('defaults to the choices of docs/architecture.md: 120 s micro-stops, NO_ORDER planned, planned stops outside availability', () => {
    expect(resolveOeeSettings({ defaultIdealCycleTimeS: 1.5 })).toEqual({
      defaultIdealCycleTimeS: 1.5,
      microStopThresholdS: 120,
      noOrderIsPlanned: true,
      plannedStopsInAvailability: false,
      startupPeriodS: 0,
    });
    expect(DEFAULT_OEE_SETTINGS.microStopThresholdS).toBe(120);
    expect(
      resolveOeeSettings({ defaultIdealCycleTimeS: 1, microStopThresholdS: undefined }).microStopThresholdS,
    ).toBe(120);
  });

  describe('NO_ORDER', () => {
    const states = [state(at(6), RUNNING), state(at(9), NO_ORDER), state(at(10), RUNNING)];

    it('is a planned stop by default: it leaves planned busy time', () => {
      const result = computeOee(shiftWith(states, { defaultIdealCycleTimeS: 1 }));
      expect(result.plannedBusyTimeS).toBe(25_200);
      expect(result.availability).toBe(1);
      expect(result.settings.noOrderIsPlanned).toBe(true);
    });

    it('is an unplanned stop when configured so: it stays in planned busy time and lowers availability', () => {
      const result = computeOee(shiftWith(states, { defaultIdealCycleTimeS: 1, noOrderIsPlanned: false }));
      expect(result.plannedBusyTimeS).toBe(28_800);
      expect(result.unplannedStopTimeS).toBe(3_600);
      expect(result.availability).toBe(25_200 / 28_800);
      expect(result.unplannedStops).toEqual([
        { state: NO_ORDER, reasonCode: '', reasonText: '', timeS: 3_600, count: 1 },
      ]);
      expect(result.settings.noOrderIsPlanned).toBe(false);
    });
  });

  describe('micro-stop threshold 60 s vs 300 s', () => {
    // Three IDLE stops of 90 s each.
    const states = [
      state(at(6), RUNNING),
      state(at(7), IDLE),
      state(at(7, 1, 30), RUNNING),
      state(at(8), IDLE),
      state(at(8, 1, 30), RUNNING),
      state(at(9), IDLE),
      state(at(9, 1, 30), RUNNING),
    ];

    it('counts 90 s stops as unplanned stops at 60 s', () => {
      const result = computeOee(shiftWith(states, { defaultIdealCycleTimeS: 1, microStopThresholdS: 60 }));
      expect(result.microStopCount).toBe(0);
      expect(result.unplannedStopTimeS).toBe(270);
      expect(result.actualProductionTimeS).toBe(28_800 - 270);
      expect(result.settings.microStopThresholdS).toBe(60);
    });

    it('keeps them inside run time as small stops at 300 s: availability rises, performance falls, OEE stays', () => {
      const short = computeOee(shiftWith(states, { defaultIdealCycleTimeS: 1, microStopThresholdS: 60 }));
      const long = computeOee(shiftWith(states, { defaultIdealCycleTimeS: 1, microStopThresholdS: 300 }));
      expect(long.microStopCount).toBe(3);
      expect(long.microStopTimeS).toBe(270);
      expect(long.losses.smallStopsS).toBe(270);
      expect(long.availability).toBe(1);
      expect(long.performance).toBeLessThan(short.performance ?? 0);
      expectClose(long.oee, short.oee ?? NaN);
    });
  });

  describe('planned stops in or out of availability', () => {
    it('takes breaks and planned stops out of planned busy time by default (classic shift: A = 22,380 / 25,200)', () => {
      const result = computeOee(CLASSIC_SHIFT);
      expectClose(result.availability, 22_380 / 25_200);
    });

    it('keeps them in planned busy time when configured: A = 22,380 / 28,800', () => {
      const result = computeOee({
        ...CLASSIC_SHIFT,
        settings: { defaultIdealCycleTimeS: 1, plannedStopsInAvailability: true },
      });
      expect(result.plannedBusyTimeS).toBe(28_800);
      expect(result.plannedStopTimeS).toBe(0);
      expect(result.otherLosses.plannedDowntimeS).toBe(3_600);
      expect(result.actualProductionTimeS).toBe(22_380);
      expectClose(result.availability, 22_380 / 28_800);
      expectClose(result.oee, 18_848 / 28_800);
      expect(result.settings.plannedStopsInAvailability).toBe(true);
    });
  });
});
