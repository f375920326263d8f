import {
  MachineStateChange,
  OeeResult,
  OeeWindowKind,
  OrderStatus,
  ProductionCountDelta,
  ProductionOrder,
  Shift,
} from '@kiln/contracts';
import {
  computeOee,
  countDeltaFromEvent,
  orderSpanFromProductionOrder,
  rollUp,
  shiftSpanFromShift,
  stateChangeFromEvent,
  toOeeResult,
} from '../src';
import { BREAKDOWN, CLASSIC_SHIFT, RUNNING, at, parts, state } from './fixtures';

const CONTEXT = { assetId: 'acme/plant-1/pressing/line-2/press-04', revision: 3, computedTimeUs: at(14, 5) };

describe('toOeeResult', () => {
  it('maps a result into the kiln.oee.v1 message with the settings that produced it', () => {
    const message = toOeeResult(computeOee(CLASSIC_SHIFT), {
      ...CONTEXT,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      windowRef: '2026-11-24/early',
    });
    expect(message).toMatchObject({
      assetId: CONTEXT.assetId,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      windowStartUs: at(6),
      windowEndUs: at(14),
      windowRef: '2026-11-24/early',
      plannedBusyTimeS: 25_200,
      actualProductionTimeS: 22_380,
      goodCount: 18_848,
      mtbfS: 11_190,
      settings: { microStopThresholdS: 120, noOrderIsPlanned: true, defaultIdealCycleTimeS: 1 },
      revision: 3,
      computedTimeUs: at(14, 5),
      performanceAboveIdeal: false,
    });
    expect(message.oee).toBeCloseTo(18_848 / 25_200, 12);
    const decoded = OeeResult.decode(OeeResult.encode(message).finish());
    expect(decoded.oee).toBe(message.oee);
    expect(decoded.losses).toEqual(message.losses);
  });

  it('leaves the KPIs absent on the wire when there is no planned busy time', () => {
    const idle = computeOee({ ...CLASSIC_SHIFT, range: { fromUs: at(0), toUs: at(4) } });
    const message = toOeeResult(idle, { ...CONTEXT, windowKind: OeeWindowKind.OEE_WINDOW_KIND_HOUR });
    const decoded = OeeResult.decode(OeeResult.encode(message).finish());
    expect(decoded.availability).toBeUndefined();
    expect(decoded.oee).toBeUndefined();
    expect(decoded.teep).toBeUndefined();
    expect(decoded.plannedBusyTimeS).toBe(0);
  });

  it('refuses a roll-up measured with different settings: one message stores one set', () => {
    const a = computeOee(CLASSIC_SHIFT);
    const b = computeOee({ ...CLASSIC_SHIFT, settings: { defaultIdealCycleTimeS: 2 } });
    const windowKind = OeeWindowKind.OEE_WINDOW_KIND_SHIFT;
    expect(() => toOeeResult(rollUp([a, b]), { ...CONTEXT, windowKind })).toThrow(/one set of settings/);
    expect(toOeeResult(rollUp([a, a]), { ...CONTEXT, windowKind }).plannedBusyTimeS).toBe(50_400);
  });

  it('leaves the settings unset for a roll-up of different settings when asked to', () => {
    const a = computeOee(CLASSIC_SHIFT);
    const b = computeOee({ ...CLASSIC_SHIFT, settings: { defaultIdealCycleTimeS: 2 } });
    const windowKind = OeeWindowKind.OEE_WINDOW_KIND_SHIFT;
    const result = toOeeResult(rollUp([a, b]), { ...CONTEXT, windowKind, mixedSettings: 'omit' });
    expect(result.settings).toBeUndefined();
    expect(result.plannedBusyTimeS).toBe(50_400);
    expect(result.idealProductionTimeS).toBeCloseTo(a.idealProductionTimeS + b.idealProductionTimeS, 9);
    expect(
      toOeeResult(rollUp([a, a]), { ...CONTEXT, windowKind, mixedSettings: 'omit' }).settings,
    ).toBeDefined();
  });
});

describe('from the contracts', () => {
  it('maps state changes and count deltas', () => {
    const change = MachineStateChange.fromPartial({
      state: BREAKDOWN,
      startTimeUs: at(7),
      reasonCode: 'E-1',
    });
    expect(stateChangeFromEvent(change)).toEqual({ ...state(at(7), BREAKDOWN, 'E-1'), reasonText: '' });
    const delta = ProductionCountDelta.fromPartial({
      timeUs: at(7),
      totalCount: 10,
      goodCount: 9,
      scrapCount: 1,
    });
    expect(countDeltaFromEvent(delta)).toEqual(parts(at(7), 10, 1));
    expect(countDeltaFromEvent({ ...delta, orderId: 'A' }, at(6))).toEqual(
      parts(at(7), 10, 1, { orderId: 'A', fromUs: at(6) }),
    );
    expect(state(at(6), RUNNING).state).toBe(RUNNING);
  });

  it('takes the actual span of an order, else the schedule of one that started; none for cancelled or unstarted', () => {
    const base = ProductionOrder.fromPartial({
      orderId: 'A',
      idealCycleTimeS: 1.2,
      targetQuantity: 500,
      scheduledStartUs: at(6),
      scheduledEndUs: at(10),
    });
    expect(
      orderSpanFromProductionOrder({ ...base, status: OrderStatus.ORDER_STATUS_RELEASED }),
    ).toBeUndefined();
    expect(
      orderSpanFromProductionOrder({
        ...base,
        status: OrderStatus.ORDER_STATUS_CANCELLED,
        actualStartUs: at(6),
      }),
    ).toBeUndefined();
    expect(
      orderSpanFromProductionOrder({
        ...base,
        status: OrderStatus.ORDER_STATUS_RUNNING,
        actualStartUs: at(6, 10),
      }),
    ).toEqual({
      orderId: 'A',
      startUs: at(6, 10),
      idealCycleTimeS: 1.2,
      targetQuantity: 500,
    });
    expect(
      orderSpanFromProductionOrder({
        ...base,
        status: OrderStatus.ORDER_STATUS_COMPLETED,
        actualStartUs: at(6, 10),
        actualEndUs: at(9),
      }),
    ).toMatchObject({ startUs: at(6, 10), endUs: at(9) });
    expect(
      orderSpanFromProductionOrder({ ...base, status: OrderStatus.ORDER_STATUS_COMPLETED }),
    ).toMatchObject({
      startUs: at(6),
      endUs: at(10),
    });
  });

  it('maps shifts with their breaks; a cancelled shift is no planned time', () => {
    const shift = Shift.fromPartial({
      shiftId: 'early',
      startUs: at(6),
      endUs: at(14),
      breaks: [{ startUs: at(10), endUs: at(10, 30), reason: 'meal' }],
    });
    expect(shiftSpanFromShift(shift)).toEqual({
      shiftId: 'early',
      startUs: at(6),
      endUs: at(14),
      breaks: [{ startUs: at(10), endUs: at(10, 30), reason: 'meal' }],
    });
    expect(shiftSpanFromShift({ ...shift, cancelled: true })).toBeUndefined();
  });
});
