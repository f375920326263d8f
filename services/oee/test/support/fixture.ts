// A hand-made shift of two assets: states, counts, orders and a shift with a break, as canonical events, and the
// core's reference computation over all of it.
import { randomBytes } from 'node:crypto';
import {
  encodeEvent,
  eventTopics,
  MachineState,
  OrderStatus,
  type EncodedEvent,
  type OeeResult,
} from '@kiln/contracts';
import {
  computeOee,
  countDeltaFromEvent,
  orderSpanFromProductionOrder,
  shiftSpanFromShift,
  stateChangeFromEvent,
  type OeeSettingsInput,
} from '@kiln/oee';

export const MIN_US = 60_000_000;
export const HOUR_US = 60 * MIN_US;
/** 2026-01-05 00:00 UTC, a Monday. */
export const DAY0_US = Date.UTC(2026, 0, 5) * 1000;
export const SHIFT_START_US = DAY0_US + 6 * HOUR_US;
export const SHIFT_END_US = DAY0_US + 14 * HOUR_US;
export const SETTINGS: OeeSettingsInput = { defaultIdealCycleTimeS: 1 };

export interface FixtureEvent {
  readonly topic: string;
  readonly encoded: EncodedEvent;
}

const S = MachineState;
const at = (minutes: number): number => SHIFT_START_US + minutes * MIN_US;

/** [minute of the shift, state, reason] per asset; the second asset differs. */
function stateScript(variant: number): [number, MachineState, string][] {
  return [
    [0, S.MACHINE_STATE_RUNNING, ''],
    [50 + variant * 5, S.MACHINE_STATE_BREAKDOWN, 'E-JAM'],
    [62 + variant * 5, S.MACHINE_STATE_RUNNING, ''],
    [120, S.MACHINE_STATE_IDLE, ''],
    [121, S.MACHINE_STATE_RUNNING, ''],
    [200, S.MACHINE_STATE_UNKNOWN_STOP, ''],
    [203 + variant, S.MACHINE_STATE_RUNNING, ''],
    [240, S.MACHINE_STATE_PLANNED_STOP, 'BREAK'],
    [270, S.MACHINE_STATE_CHANGEOVER, ''],
    [295, S.MACHINE_STATE_RUNNING, ''],
    [359, S.MACHINE_STATE_STARVED, ''],
    [359.5, S.MACHINE_STATE_RUNNING, ''],
    [420, S.MACHINE_STATE_BREAKDOWN, ''],
    [436, S.MACHINE_STATE_RUNNING, ''],
    [480, S.MACHINE_STATE_NO_ORDER, ''],
  ];
}

export class ShiftFixture {
  readonly assets: string[];
  constructor(prefix = 'oee') {
    const run = `${prefix}-${randomBytes(4).toString('hex')}`;
    this.assets = [`${run}/site/area/line/m1`, `${run}/site/area/line/m2`];
  }

  stateEvents(assetId: string) {
    const variant = this.assets.indexOf(assetId);
    return stateScript(variant).map(([minute, state, reason]) => ({
      assetId,
      event: {
        $case: 'change' as const,
        value: { state, startTimeUs: at(minute), reasonCode: reason, reasonText: '', sourceCode: '' },
      },
    }));
  }

  countBatches(assetId: string) {
    const variant = this.assets.indexOf(assetId);
    return Array.from({ length: 48 }, (_, i) => ({
      assetId,
      deltas: [
        {
          timeUs: at(i * 10 + 9),
          totalCount: 500 + variant * 10 + (i % 3),
          goodCount: 495 + variant * 10 - (i % 2),
          scrapCount: 5 + (i % 3) + (i % 2),
          orderId: '',
        },
      ],
    }));
  }

  orders(assetId: string) {
    const base = {
      assetId,
      operationId: '0010',
      material: 'M',
      materialDescription: '',
      targetQuantity: 10_000,
      quantityUnit: 'PC',
      erpSystem: 'test',
      changedTimeUs: DAY0_US,
    };
    return [
      {
        ...base,
        orderId: `${assetId}#A`,
        idealCycleTimeS: 0.9,
        status: OrderStatus.ORDER_STATUS_COMPLETED,
        scheduledStartUs: at(0),
        scheduledEndUs: at(270),
        actualStartUs: at(0),
        actualEndUs: at(270),
      },
      {
        ...base,
        orderId: `${assetId}#B`,
        idealCycleTimeS: 0.8,
        status: OrderStatus.ORDER_STATUS_COMPLETED,
        scheduledStartUs: at(270),
        scheduledEndUs: at(480),
        actualStartUs: at(270),
        actualEndUs: at(480),
      },
    ];
  }

  shifts(assetId: string) {
    return [
      {
        assetId,
        shiftId: `${assetId}#early`,
        name: 'early',
        startUs: SHIFT_START_US,
        endUs: SHIFT_END_US,
        breaks: [{ startUs: at(240), endUs: at(270), reason: 'lunch' }],
        cancelled: false,
        erpSystem: 'test',
        changedTimeUs: DAY0_US,
      },
    ];
  }

  /** Orders and shifts first (as an ERP sync would have them), then states and counts interleaved by time. */
  events(): FixtureEvent[] {
    const out: FixtureEvent[] = [];
    for (const assetId of this.assets) {
      for (const shift of this.shifts(assetId))
        out.push({
          topic: eventTopics.erpShift.topic.name,
          encoded: encodeEvent(eventTopics.erpShift, shift),
        });
      for (const order of this.orders(assetId))
        out.push({
          topic: eventTopics.erpOrder.topic.name,
          encoded: encodeEvent(eventTopics.erpOrder, order),
        });
      const timed: [number, FixtureEvent][] = [
        ...this.stateEvents(assetId).map((event): [number, FixtureEvent] => [
          event.event.value.startTimeUs,
          {
            topic: eventTopics.machineState.topic.name,
            encoded: encodeEvent(eventTopics.machineState, event),
          },
        ]),
        ...this.countBatches(assetId).map((batch): [number, FixtureEvent] => [
          batch.deltas[0]?.timeUs ?? 0,
          {
            topic: eventTopics.productionCount.topic.name,
            encoded: encodeEvent(eventTopics.productionCount, batch),
          },
        ]),
      ];
      out.push(...timed.sort((a, b) => a[0] - b[0]).map(([, event]) => event));
    }
    return out;
  }

  /** The core over all of an asset's inputs, for a window range. */
  reference(
    assetId: string,
    fromUs: number,
    toUs: number,
    extraCounts: {
      timeUs: number;
      totalCount: number;
      goodCount: number;
      scrapCount: number;
      orderId: string;
    }[] = [],
    states = this.stateEvents(assetId),
  ) {
    return computeOee({
      range: { fromUs, toUs },
      states: states.map((event) => stateChangeFromEvent(event.event.value)),
      counts: [...this.countBatches(assetId).flatMap((batch) => batch.deltas), ...extraCounts].map((delta) =>
        countDeltaFromEvent(delta),
      ),
      orders: this.orders(assetId).flatMap((order) => orderSpanFromProductionOrder(order) ?? []),
      shifts: this.shifts(assetId).flatMap((shift) => shiftSpanFromShift(shift) ?? []),
      settings: SETTINGS,
    });
  }
}

/** Figures of a stored or published result without its revision and computed time. */
export function figures(result: OeeResult): Omit<OeeResult, 'revision' | 'computedTimeUs'> {
  const { revision: _revision, computedTimeUs: _computed, ...rest } = result;
  return rest;
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    const a = out[i];
    const b = out[j];
    if (a !== undefined && b !== undefined) {
      out[i] = b;
      out[j] = a;
    }
  }
  return out;
}
