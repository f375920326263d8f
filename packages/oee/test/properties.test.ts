import fc from 'fast-check';
import { MachineState } from '@kiln/contracts';
import {
  computeOee,
  rollUp,
  type CountDelta,
  type OeeInput,
  type OrderSpan,
  type ShiftSpan,
  type StateChange,
} from '../src';
import { DAY0_US, S } from './fixtures';

// Scenarios over one day, on a 1 s grid (integer microseconds like the contracts).
const DAY_S = 86_400;
const second = fc.integer({ min: 0, max: DAY_S });
const usAt = (seconds: number): number => DAY0_US + seconds * S;

const machineState = fc.constantFrom(
  ...Object.values(MachineState).filter((value): value is MachineState => typeof value === 'number'),
);

const states: fc.Arbitrary<StateChange[]> = fc.array(
  fc.record({ startUs: second.map(usAt), state: machineState, reasonCode: fc.constantFrom('', 'R1', 'R2') }),
  { maxLength: 40 },
);

const shifts: fc.Arbitrary<ShiftSpan[]> = fc
  .array(
    fc
      .tuple(
        second,
        fc.integer({ min: 60, max: 10 * 3600 }),
        fc.array(fc.tuple(second, fc.integer({ min: 1, max: 3600 })), { maxLength: 3 }),
      )
      .map(([start, length, breaks]) => ({
        shiftId: 'shift',
        startUs: usAt(start),
        endUs: usAt(start + length),
        breaks: breaks.map(([breakStart, breakLength]) => ({
          startUs: usAt(breakStart),
          endUs: usAt(breakStart + breakLength),
        })),
      })),
    { maxLength: 3 },
  )
  .map((list) => list.map((shift, index) => ({ ...shift, shiftId: `shift-${index}` })));

const orders: fc.Arbitrary<OrderSpan[]> = fc
  .array(
    fc
      .tuple(
        second,
        fc.option(fc.integer({ min: 1, max: DAY_S }), { nil: undefined }),
        fc.constantFrom(0, 0.5, 1, 2.5),
      )
      .map(([start, length, idealCycleTimeS]) => ({
        orderId: 'order',
        startUs: usAt(start),
        ...(length === undefined ? {} : { endUs: usAt(start + length) }),
        idealCycleTimeS,
      })),
    { maxLength: 3 },
  )
  .map((list) => list.map((order, index) => ({ ...order, orderId: `order-${index}` })));

const counts: fc.Arbitrary<CountDelta[]> = fc.array(
  fc
    .tuple(
      second,
      fc.option(fc.integer({ min: 1, max: 7200 }), { nil: undefined }),
      fc.integer({ min: 0, max: 500 }),
      fc.integer({ min: 0, max: 100 }),
    )
    .map(([time, span, good, scrap]) => ({
      timeUs: usAt(time),
      ...(span === undefined ? {} : { fromUs: usAt(time - span) }),
      totalCount: good + scrap,
      goodCount: good,
      scrapCount: scrap,
    })),
  { maxLength: 30 },
);

const settings = fc.record({
  defaultIdealCycleTimeS: fc.constantFrom(0.5, 1, 3),
  microStopThresholdS: fc.constantFrom(0, 60, 120, 300),
  noOrderIsPlanned: fc.boolean(),
  plannedStopsInAvailability: fc.boolean(),
  startupPeriodS: fc.constantFrom(0, 600),
});

const range = fc
  .tuple(second, second)
  .map(([a, b]) => ({ fromUs: usAt(Math.min(a, b)), toUs: usAt(Math.max(a, b)) }));

const scenario: fc.Arbitrary<OeeInput> = fc.record({ range, states, counts, orders, shifts, settings });

function close(actual: number | undefined, expected: number | undefined): boolean {
  if (actual === undefined || expected === undefined) return actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

const KPIS = ['availability', 'performance', 'quality', 'oee', 'teep', 'mtbfS', 'mttrS'] as const;

describe('properties', () => {
  it('keeps availability and quality within [0, 1] and never yields NaN', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const result = computeOee(input);
        for (const kpi of KPIS) {
          const value = result[kpi];
          if (value !== undefined && !Number.isFinite(value)) return false;
        }
        const inUnit = (value: number | undefined): boolean =>
          value === undefined || (value >= 0 && value <= 1);
        return inUnit(result.availability) && inUnit(result.quality);
      }),
    );
  });

  it('balances the time model: calendar = outside shifts + planned stops + PBT, PBT = APT + downtime', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const t = computeOee(input).totals;
        const apt = t.runningTimeUs + t.microStopTimeUs;
        return (
          t.calendarTimeUs === input.range.toUs - input.range.fromUs &&
          t.calendarTimeUs === t.unscheduledTimeUs + t.plannedStopTimeUs + t.plannedBusyTimeUs &&
          t.plannedBusyTimeUs === apt + t.unplannedStopTimeUs + t.offlineTimeUs + t.plannedDowntimeTimeUs &&
          t.unplannedStopTimeUs === t.breakdownTimeUs + t.setupTimeUs + t.otherStopTimeUs
        );
      }),
    );
  });

  it('gives OEE = good x ideal cycle time / PBT whenever the ideal cycle time is constant', () => {
    const noOrders = fc.record({ range, states, counts, shifts, settings, orders: fc.constant([]) });
    fc.assert(
      fc.property(noOrders, (input) => {
        const result = computeOee(input);
        if (result.plannedBusyTimeS === 0) return result.oee === undefined;
        return close(
          result.oee,
          (result.goodCount * result.settings.defaultIdealCycleTimeS) / result.plannedBusyTimeS,
        );
      }),
    );
  });

  it('recombines the parts of a split range into the KPIs of the whole', () => {
    fc.assert(
      fc.property(scenario, fc.array(second, { maxLength: 3 }), (input, cuts) => {
        const { fromUs, toUs } = input.range;
        // An empty range has no parts to split it into (and is covered by the other properties).
        fc.pre(toUs > fromUs);
        const points = [
          ...new Set([fromUs, ...cuts.map(usAt).filter((p) => p > fromUs && p < toUs), toUs]),
        ].sort((a, b) => a - b);
        const parts = points
          .slice(1)
          .map((end, index) =>
            computeOee({ ...input, range: { fromUs: points[index] ?? fromUs, toUs: end } }),
          );
        const whole = computeOee(input);
        const recombined = rollUp(parts);
        const w = whole.totals;
        const r = recombined.totals;
        const exact =
          r.calendarTimeUs === w.calendarTimeUs &&
          r.plannedBusyTimeUs === w.plannedBusyTimeUs &&
          r.runningTimeUs === w.runningTimeUs &&
          r.microStopTimeUs === w.microStopTimeUs &&
          r.microStopCount === w.microStopCount &&
          r.unplannedStopTimeUs === w.unplannedStopTimeUs &&
          r.failureCount === w.failureCount &&
          r.offlineTimeUs === w.offlineTimeUs &&
          JSON.stringify(r.unplannedStops) === JSON.stringify(w.unplannedStops) &&
          JSON.stringify(r.orderIds) === JSON.stringify(w.orderIds) &&
          JSON.stringify(r.shiftIds) === JSON.stringify(w.shiftIds);
        const counts =
          close(r.totalCount, w.totalCount) &&
          close(r.goodCount, w.goodCount) &&
          close(r.idealProductionTimeS, w.idealProductionTimeS);
        const kpis = KPIS.every((kpi) => close(recombined[kpi], whole[kpi]));
        return exact && counts && kpis && close(recombined.losses.reducedSpeedS, whole.losses.reducedSpeedS);
      }),
    );
  });
});
