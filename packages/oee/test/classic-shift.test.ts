import { computeOee } from '../src';
import { BREAKDOWN, CLASSIC_SHIFT, at, expectClose } from './fixtures';

// The classic shift, worked by hand:
//   shift 06:00-14:00                          = 480 min
//   breaks 15 + 30 (meal) + 15                 =  60 min
//   planned busy time PBT = 480 - 60           = 420 min = 25,200 s
//   breakdowns 07:00-07:30 (30) + 11:00-11:17 (17) = 47 min
//   actual production time APT = 420 - 47      = 373 min = 22,380 s
//   ideal cycle time 1.0 s, 19,271 parts, 18,848 good, 423 scrap
//   A   = 22,380 / 25,200                      = 0.888095238...
//   P   = 19,271 x 1.0 / 22,380                = 0.861081322...
//   Q   = 18,848 / 19,271                      = 0.978049920...
//   OEE = A x P x Q = 18,848 x 1.0 / 25,200    = 0.747936507...  (APT and 19,271 cancel out)
//   TEEP over the shift = OEE x 25,200 / 28,800 = 18,848 / 28,800 = 0.654444...
//   losses: breakdowns 2,820 s; reduced speed = 22,380 - 19,271 - 0 = 3,109 s; rejects 423 x 1.0 = 423 s
//   MTBF = 22,380 / 2 = 11,190 s; MTTR = 2,820 / 2 = 1,410 s
// (the input is CLASSIC_SHIFT in fixtures.ts)
describe('the classic shift (8 h, 2 x 15 min breaks, 30 min meal, 47 min breakdowns)', () => {
  const result = computeOee(CLASSIC_SHIFT);

  it('measures calendar, planned busy and actual production time', () => {
    expect(result.calendarTimeS).toBe(28_800);
    expect(result.plannedStopTimeS).toBe(3_600);
    expect(result.plannedBusyTimeS).toBe(25_200);
    expect(result.unplannedStopTimeS).toBe(2_820);
    expect(result.actualProductionTimeS).toBe(22_380);
    expect(result.offlineTimeS).toBe(0);
  });

  it('counts the parts and their ideal production time', () => {
    expect(result.totalCount).toBe(19_271);
    expect(result.goodCount).toBe(18_848);
    expect(result.scrapCount).toBe(423);
    expect(result.idealProductionTimeS).toBe(19_271);
  });

  it('gives the hand-worked A, P, Q and OEE', () => {
    expectClose(result.availability, 22_380 / 25_200);
    expectClose(result.performance, 19_271 / 22_380);
    expectClose(result.quality, 18_848 / 19_271);
    expectClose(result.oee, 18_848 / 25_200);
    expectClose(result.oee, (22_380 / 25_200) * (19_271 / 22_380) * (18_848 / 19_271));
    expect(result.availability).toBeCloseTo(0.888095, 6);
    expect(result.performance).toBeCloseTo(0.861081, 6);
    expect(result.quality).toBeCloseTo(0.97805, 5);
    expect(result.oee).toBeCloseTo(0.747937, 6);
  });

  it('relates TEEP to calendar time', () => {
    expectClose(result.teep, 18_848 / 28_800);
    const wholeDay = computeOee({ ...CLASSIC_SHIFT, range: { fromUs: at(0), toUs: at(24) } });
    expect(wholeDay.calendarTimeS).toBe(86_400);
    expectClose(wholeDay.oee, 18_848 / 25_200);
    expectClose(wholeDay.teep, 18_848 / 86_400);
  });

  it('splits the losses into the six big losses', () => {
    expect(result.losses).toEqual({
      breakdownS: 2_820,
      setupAdjustmentS: 0,
      smallStopsS: 0,
      reducedSpeedS: 3_109,
      startupRejectsS: 0,
      productionRejectsS: 423,
    });
    const fullyProductiveS =
      result.plannedBusyTimeS -
      Object.values(result.losses).reduce((sum, loss) => sum + loss, 0) -
      Object.values(result.otherLosses).reduce((sum, loss) => sum + loss, 0);
    expect(fullyProductiveS).toBe(18_848);
  });

  it('gives MTBF and MTTR over the two breakdowns, and the stops by reason', () => {
    expect(result.failureCount).toBe(2);
    expect(result.mtbfS).toBe(11_190);
    expect(result.mttrS).toBe(1_410);
    expect(result.unplannedStops).toEqual([
      { state: BREAKDOWN, reasonCode: 'E-101', reasonText: '', timeS: 1_800, count: 1 },
      { state: BREAKDOWN, reasonCode: 'E-205', reasonText: '', timeS: 1_020, count: 1 },
    ]);
  });

  it('names the shift it overlaps, echoes its settings and raises no flag', () => {
    expect(result.shiftIds).toEqual(['2026-11-24/early']);
    expect(result.orderIds).toEqual([]);
    expect(result.settings).toEqual({
      defaultIdealCycleTimeS: 1,
      microStopThresholdS: 120,
      noOrderIsPlanned: true,
      plannedStopsInAvailability: false,
      startupPeriodS: 0,
    });
    expect(Object.values(result.flags).some(Boolean)).toBe(false);
  });
});
