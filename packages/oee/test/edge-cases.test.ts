import { OeeInputError, computeOee, rollUp, type OeeInput } from '../src';
import {
  BREAKDOWN,
  CHANGEOVER,
  EARLY_SHIFT,
  IDLE,
  OFFLINE,
  RUNNING,
  STARVED,
  UNKNOWN_STOP,
  at,
  expectClose,
  parts,
  plainShift,
  state,
} from './fixtures';

const DAY_SHIFT = plainShift('day', at(6), at(14));

function oneShift(overrides: Partial<OeeInput>): OeeInput {
  return {
    range: { fromUs: at(6), toUs: at(14) },
    states: [state(at(6), RUNNING)],
    counts: [],
    orders: [],
    shifts: [DAY_SHIFT],
    settings: { defaultIdealCycleTimeS: 1 },
    ...overrides,
  };
}

describe('no shift in the range', () => {
  const input = oneShift({ range: { fromUs: at(0), toUs: at(4) }, states: [state(at(0), RUNNING)] });

  it('leaves availability, performance, OEE and TEEP absent, not NaN and not 100 %', () => {
    const result = computeOee(input);
    expect(result.plannedBusyTimeS).toBe(0);
    expect(result.calendarTimeS).toBe(4 * 3600);
    for (const kpi of ['availability', 'performance', 'quality', 'oee', 'teep', 'mtbfS', 'mttrS'] as const) {
      expect(kpi in result).toBe(false);
    }
    expect(result.flags.noPlannedTime).toBe(true);
    expect(result.shiftIds).toEqual([]);
  });

  it('still reports quality of parts made outside planned time, and flags them', () => {
    const result = computeOee({ ...input, counts: [parts(at(1), 100, 5)] });
    expect(result.quality).toBe(0.95);
    expect('oee' in result).toBe(false);
    expect(result.flags.countsOutsidePlannedTime).toBe(true);
  });
});

describe('a stop that spans a shift boundary', () => {
  const early = plainShift('early', at(6), at(14));
  const late = plainShift('late', at(14), at(22));
  const input = (fromUs: number, toUs: number): OeeInput =>
    oneShift({
      range: { fromUs, toUs },
      states: [state(at(6), RUNNING), state(at(13, 50), BREAKDOWN), state(at(14, 20), RUNNING)],
      shifts: [early, late],
    });

  it('gives each shift its part of the stop and counts the breakdown in the shift where it began', () => {
    const first = computeOee(input(at(6), at(14)));
    const second = computeOee(input(at(14), at(22)));
    expect(first.unplannedStopTimeS).toBe(600);
    expect(first.failureCount).toBe(1);
    expect(first.mttrS).toBe(600);
    expect(second.unplannedStopTimeS).toBe(1200);
    expect(second.failureCount).toBe(0);
    expect('mttrS' in second).toBe(false);
  });

  it('adds up to the day: one breakdown of 30 min', () => {
    const day = computeOee(input(at(6), at(22)));
    const both = rollUp([computeOee(input(at(6), at(14))), computeOee(input(at(14), at(22)))]);
    expect(day.failureCount).toBe(1);
    expect(day.mttrS).toBe(1800);
    expect(both.failureCount).toBe(1);
    expect(both.mttrS).toBe(1800);
    expect(both.availability).toBe(day.availability);
    expect(both.shiftIds).toEqual(['early', 'late']);
  });
});

describe('a stop that spans a break', () => {
  const withStates = (...states: OeeInput['states']): OeeInput => oneShift({ states, shifts: [EARLY_SHIFT] });

  it('counts only the part outside the break as unplanned, classified by the whole stop', () => {
    // 09:55-10:40 with the meal 10:00-10:30: 5 + 10 min of breakdown, one stop of 45 min.
    const result = computeOee(
      withStates(state(at(6), RUNNING), state(at(9, 55), BREAKDOWN), state(at(10, 40), RUNNING)),
    );
    expect(result.unplannedStopTimeS).toBe(900);
    expect(result.failureCount).toBe(1);
    expect(result.plannedBusyTimeS).toBe(25_200);
    expect(result.actualProductionTimeS).toBe(24_300);
  });

  it('keeps a 90 s stop cut by a break start a micro-stop, with its 60 s before the break', () => {
    const result = computeOee(
      withStates(state(at(6), RUNNING), state(at(9, 59), IDLE), state(at(10, 0, 30), RUNNING)),
    );
    expect(result.microStopCount).toBe(1);
    expect(result.microStopTimeS).toBe(60);
    expect(result.actualProductionTimeS).toBe(25_200);
  });

  it('counts a micro-stop that began in the break where it enters working time', () => {
    const result = computeOee(
      withStates(state(at(6), RUNNING), state(at(10, 29, 30), IDLE), state(at(10, 30, 30), RUNNING)),
    );
    expect(result.microStopCount).toBe(1);
    expect(result.microStopTimeS).toBe(30);
  });

  it('ignores a stop entirely inside a break', () => {
    const result = computeOee(
      withStates(state(at(6), RUNNING), state(at(10, 5), BREAKDOWN), state(at(10, 20), RUNNING)),
    );
    expect(result.unplannedStopTimeS).toBe(0);
    expect(result.failureCount).toBe(0);
    expect(result.unplannedStops).toEqual([]);
    expect(result.availability).toBe(1);
  });
});

describe('the micro-stop threshold (120 s)', () => {
  it('treats a stop of exactly the threshold as an unplanned stop', () => {
    const result = computeOee(
      oneShift({ states: [state(at(6), RUNNING), state(at(7), IDLE), state(at(7, 2), RUNNING)] }),
    );
    expect(result.microStopCount).toBe(0);
    expect(result.unplannedStopTimeS).toBe(120);
    expect(result.unplannedStops).toEqual([
      { state: IDLE, reasonCode: '', reasonText: '', timeS: 120, count: 1 },
    ]);
    expect(result.otherLosses.otherStopsS).toBe(120);
    expect(result.losses.breakdownS).toBe(0);
  });

  it('keeps a stop 1 us shorter than the threshold inside run time as a small stop', () => {
    const result = computeOee(
      oneShift({ states: [state(at(6), RUNNING), state(at(7), IDLE), state(at(7, 2) - 1, RUNNING)] }),
    );
    expect(result.microStopCount).toBe(1);
    expect(result.microStopTimeS).toBe(119.999999);
    expect(result.unplannedStopTimeS).toBe(0);
    expect(result.actualProductionTimeS).toBe(28_800);
    expect(result.losses.smallStopsS).toBe(119.999999);
  });

  it('classifies a stop still open at the end of the data as no micro-stop', () => {
    const result = computeOee(oneShift({ states: [state(at(6), RUNNING), state(at(13, 59), BREAKDOWN)] }));
    expect(result.unplannedStopTimeS).toBe(60);
    expect(result.failureCount).toBe(1);
  });

  it('treats back-to-back stops of different states as separate stops, and reason changes as one stop', () => {
    const twoStops = computeOee(
      oneShift({
        states: [
          state(at(6), RUNNING),
          state(at(7), IDLE),
          state(at(7, 1), STARVED),
          state(at(7, 2), RUNNING),
        ],
      }),
    );
    expect(twoStops.microStopCount).toBe(2);
    const oneStop = computeOee(
      oneShift({
        states: [
          state(at(6), RUNNING),
          state(at(7), BREAKDOWN, 'E-1'),
          state(at(7, 1), BREAKDOWN, 'E-2'),
          state(at(7, 2, 30), RUNNING),
        ],
      }),
    );
    expect(oneStop.microStopCount).toBe(0);
    expect(oneStop.failureCount).toBe(1);
    expect(oneStop.unplannedStops).toEqual([
      { state: BREAKDOWN, reasonCode: 'E-1', reasonText: '', timeS: 60, count: 1 },
      { state: BREAKDOWN, reasonCode: 'E-2', reasonText: '', timeS: 90, count: 0 },
    ]);
  });
});

describe('an order changing mid-shift with a different ideal cycle time', () => {
  const orders = [
    { orderId: 'A', startUs: at(6), endUs: at(10), idealCycleTimeS: 1.0, targetQuantity: 14_000 },
    { orderId: 'B', startUs: at(10), idealCycleTimeS: 2.0, targetQuantity: 7_000 },
  ];

  it('weights each part with the ideal cycle time of the order it was made under', () => {
    // 12,000 parts x 1.0 s + 6,000 parts x 2.0 s = 24,000 s ideal in 28,800 s of APT.
    const result = computeOee(oneShift({ orders, counts: [parts(at(9), 12_000), parts(at(12), 6_000)] }));
    expect(result.idealProductionTimeS).toBe(24_000);
    expectClose(result.performance, 24_000 / 28_800);
    expectClose(result.oee, 24_000 / 28_800);
    expect(result.orderIds).toEqual(['A', 'B']);
  });

  it('splits a count interval across the change by time', () => {
    // 3,600 parts over 09:00-11:00: 1,800 under A (1,800 s) and 1,800 under B (3,600 s).
    const result = computeOee(oneShift({ orders, counts: [parts(at(11), 3_600, 0, { fromUs: at(9) })] }));
    expect(result.totalCount).toBe(3_600);
    expect(result.idealProductionTimeS).toBe(5_400);
  });

  it("uses the count's own order where the source names it, and the default where an order gives none", () => {
    const result = computeOee(
      oneShift({
        orders: [...orders, { orderId: 'C', startUs: at(13), idealCycleTimeS: 0 }],
        counts: [parts(at(10, 30), 100, 0, { orderId: 'A' }), parts(at(13, 30), 100)],
        settings: { defaultIdealCycleTimeS: 0.5 },
      }),
    );
    expect(result.idealProductionTimeS).toBe(100 * 1.0 + 100 * 0.5);
  });
});

describe('counts arriving before their state', () => {
  it('counts the parts, reports the stateless time as offline and flags it', () => {
    const result = computeOee(oneShift({ states: [state(at(7), RUNNING)], counts: [parts(at(6, 30), 500)] }));
    expect(result.totalCount).toBe(500);
    expect(result.offlineTimeS).toBe(3600);
    expect(result.actualProductionTimeS).toBe(7 * 3600);
    expect(result.flags.countsWithoutState).toBe(true);
  });

  it('gives the same result whatever order the events came in once the state is there', () => {
    const inOrder = computeOee(
      oneShift({
        states: [state(at(6), RUNNING), state(at(7), IDLE), state(at(8), RUNNING)],
        counts: [parts(at(6, 30), 500)],
      }),
    );
    const shuffled = computeOee(
      oneShift({
        states: [state(at(8), RUNNING), state(at(6), RUNNING), state(at(7), IDLE)],
        counts: [parts(at(6, 30), 500)],
      }),
    );
    expect(shuffled).toEqual(inOrder);
    expect(inOrder.flags.countsWithoutState).toBe(false);
  });
});

describe('performance above 100 %', () => {
  it('is reported as measured and flagged as a likely wrong ideal cycle time, never clamped', () => {
    const result = computeOee(
      oneShift({
        range: { fromUs: at(6), toUs: at(7) },
        counts: [parts(at(6, 59), 4_000)],
        shifts: [DAY_SHIFT],
      }),
    );
    expectClose(result.performance, 4_000 / 3_600);
    expectClose(result.oee, 4_000 / 3_600);
    expect(result.flags.performanceAboveOne).toBe(true);
    expect(result.losses.reducedSpeedS).toBe(-400);
  });

  it('does not flag a performance of exactly 1', () => {
    const result = computeOee(
      oneShift({ range: { fromUs: at(6), toUs: at(7) }, counts: [parts(at(6, 59), 3_600)] }),
    );
    expect(result.performance).toBe(1);
    expect(result.flags.performanceAboveOne).toBe(false);
  });
});

describe('OFFLINE periods', () => {
  it('reports OFFLINE inside planned time separately, as downtime and not as running', () => {
    const result = computeOee(
      oneShift({ states: [state(at(6), RUNNING), state(at(8), OFFLINE), state(at(9), RUNNING)] }),
    );
    expect(result.plannedBusyTimeS).toBe(28_800);
    expect(result.offlineTimeS).toBe(3_600);
    expect(result.unplannedStopTimeS).toBe(0);
    expect(result.actualProductionTimeS).toBe(25_200);
    expect(result.availability).toBe(25_200 / 28_800);
    expect(result.otherLosses.offlineS).toBe(3_600);
    expect(result.unplannedStops).toEqual([]);
  });

  it('keeps OFFLINE outside shifts out of planned time but in the calendar report', () => {
    const result = computeOee(
      oneShift({
        range: { fromUs: at(0), toUs: at(14) },
        states: [state(at(0), RUNNING), state(at(4), OFFLINE), state(at(5), RUNNING)],
      }),
    );
    expect(result.offlineTimeS).toBe(0);
    expect(result.offlineCalendarTimeS).toBe(3_600);
    expect(result.availability).toBe(1);
  });
});

describe('ranges that cut through states and count intervals', () => {
  it('prorates a count interval by time and clips the running state', () => {
    const result = computeOee(
      oneShift({
        range: { fromUs: at(6), toUs: at(6, 30) },
        counts: [parts(at(7), 600, 60, { fromUs: at(6) })],
      }),
    );
    expect(result.actualProductionTimeS).toBe(1_800);
    expect(result.totalCount).toBe(300);
    expect(result.scrapCount).toBe(30);
  });

  it('takes a point count at the range end and leaves one at the range start to the range before', () => {
    const range = { fromUs: at(6), toUs: at(7) };
    const result = computeOee(oneShift({ range, counts: [parts(at(6), 10), parts(at(7), 20)] }));
    expect(result.totalCount).toBe(20);
  });
});

describe('losses by kind', () => {
  it('puts CHANGEOVER into setup and UNKNOWN_STOP into breakdowns without counting it as a failure', () => {
    const result = computeOee(
      oneShift({
        states: [
          state(at(6), RUNNING),
          state(at(7), CHANGEOVER),
          state(at(7, 20), RUNNING),
          state(at(9), UNKNOWN_STOP),
          state(at(9, 10), RUNNING),
        ],
      }),
    );
    expect(result.losses.setupAdjustmentS).toBe(1_200);
    expect(result.losses.breakdownS).toBe(600);
    expect(result.failureCount).toBe(0);
    expect('mtbfS' in result).toBe(false);
  });

  it('splits scrap into start-up rejects and production rejects by the start-up period of the order', () => {
    const result = computeOee(
      oneShift({
        orders: [{ orderId: 'A', startUs: at(6), idealCycleTimeS: 2.0 }],
        counts: [parts(at(6, 5), 50, 10), parts(at(8), 100, 4)],
        settings: { defaultIdealCycleTimeS: 1, startupPeriodS: 600 },
      }),
    );
    expect(result.losses.startupRejectsS).toBe(20);
    expect(result.losses.productionRejectsS).toBe(8);
  });
});

describe('input validation', () => {
  it('names the offending value', () => {
    expect(() => computeOee(oneShift({ counts: [parts(at(7), -1)] }))).toThrow(OeeInputError);
    expect(() => computeOee(oneShift({ counts: [parts(at(7), -1)] }))).toThrow(
      /counts\[0\]: expected totalCount >= 0/,
    );
    expect(() =>
      computeOee(oneShift({ settings: { defaultIdealCycleTimeS: 1, microStopThresholdS: -5 } })),
    ).toThrow(/settings\.microStopThresholdS/);
    expect(() => computeOee(oneShift({ range: { fromUs: at(7), toUs: at(6) } }))).toThrow(/range/);
    expect(() => computeOee(oneShift({ shifts: [plainShift('bad', at(8), at(7))] }))).toThrow(
      /shifts\[0\] \(bad\)/,
    );
  });

  it('computes an empty range as all zeros', () => {
    const result = computeOee(oneShift({ range: { fromUs: at(7), toUs: at(7) }, counts: [parts(at(7), 5)] }));
    expect(result.calendarTimeS).toBe(0);
    expect(result.totalCount).toBe(0);
    expect(result.flags.noPlannedTime).toBe(true);
  });
});
