// The OEE service's inputs decoded from kiln.machine-state.v1, kiln.production-count.v1, kiln.erp.order.v1 and
// kiln.erp.shift.v1, and the rules a record must meet: the subscription's decoder, so a record that breaks one
// goes to the dead-letter topic at once (docs/events.md, "Subscribing").
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  decodeEvent,
  eventTopics,
  MachineState,
  numberProblem,
  RuleError,
  type MachineStateEvent,
  type ProductionCountBatch,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';

export type Decoded =
  | { kind: 'state'; value: MachineStateEvent }
  | { kind: 'count'; value: ProductionCountBatch }
  | { kind: 'order'; value: ProductionOrder }
  | { kind: 'shift'; value: Shift };

// 0 is protobuf's default: the producer set no such time.
const unset = { zeroIsUnset: true };

function checkAmount(what: string, value: number): void {
  if (numberProblem(value, { min: 0 }) !== undefined)
    throw new RuleError(`${what} is ${value}, not a finite number >= 0`);
}

/** The rules the core and the database rely on, checked once here so that a bad record cannot stall a partition. */
function checkCounts(batch: ProductionCountBatch): void {
  batch.deltas.forEach((delta, i) => {
    const at = `count delta ${i} of asset "${batch.assetId}"`;
    checkEventTime(`${at}: time`, delta.timeUs);
    if (delta.intervalStartUs !== undefined) {
      checkEventTime(`${at}: intervalStartUs`, delta.intervalStartUs);
      // The core refuses such a count in every window it reaches: refused here, it cannot stall them.
      if (delta.intervalStartUs > delta.timeUs) {
        throw new RuleError(
          `${at}: intervalStartUs ${delta.intervalStartUs} is after its time ${delta.timeUs} (a count covers (start, time])`,
        );
      }
    }
    checkAmount(`${at}: totalCount`, delta.totalCount);
    checkAmount(`${at}: goodCount`, delta.goodCount);
    checkAmount(`${at}: scrapCount`, delta.scrapCount);
  });
}

function checkOrder(order: ProductionOrder): void {
  const at = `order "${order.orderId}" of asset "${order.assetId}"`;
  checkAmount(`${at}: idealCycleTimeS`, order.idealCycleTimeS);
  checkAmount(`${at}: targetQuantity`, order.targetQuantity);
  checkEventTime(`${at}: scheduledStartUs`, order.scheduledStartUs, unset);
  checkEventTime(`${at}: scheduledEndUs`, order.scheduledEndUs, unset);
  checkEventTime(`${at}: actualStartUs`, order.actualStartUs, unset);
  checkEventTime(`${at}: actualEndUs`, order.actualEndUs, unset);
  checkEventTime(`${at}: changedTimeUs`, order.changedTimeUs, unset);
}

function checkShift(shift: Shift): void {
  const at = `shift "${shift.shiftId}" of asset "${shift.assetId}"`;
  checkEventTime(`${at}: startUs`, shift.startUs);
  checkEventTime(`${at}: endUs`, shift.endUs);
  checkEventTime(`${at}: changedTimeUs`, shift.changedTimeUs, unset);
  if (!(shift.endUs > shift.startUs)) throw new RuleError(`${at} ends at or before it starts`);
  shift.breaks.forEach((pause, i) => {
    checkEventTime(`${at}: break ${i} startUs`, pause.startUs);
    checkEventTime(`${at}: break ${i} endUs`, pause.endUs);
    if (!(pause.endUs > pause.startUs)) throw new RuleError(`${at}: break ${i} ends at or before it starts`);
  });
}

export function decodeRecord(record: BusRecord): Decoded | undefined {
  switch (record.topic) {
    case eventTopics.machineState.topic.name: {
      const value = decodeEvent(eventTopics.machineState, record.value, record.headers);
      if (
        value.event?.$case === 'change' &&
        value.event.value.state === MachineState.MACHINE_STATE_UNSPECIFIED
      ) {
        throw new RuleError(
          `state change of asset "${value.assetId}" at ${value.event.value.startTimeUs} us has no state (UNSPECIFIED)`,
        );
      }
      const at = `state event of asset "${value.assetId}"`;
      checkEventTexts(at, value);
      const timeUs = stateTimeOf(value);
      if (timeUs !== undefined) checkEventTime(`${at}: time`, timeUs);
      if (value.event?.$case === 'reason') {
        checkEventTime(`${at}: assignedTimeUs`, value.event.value.assignedTimeUs, unset);
      }
      return { kind: 'state', value };
    }
    case eventTopics.productionCount.topic.name: {
      const value = decodeEvent(eventTopics.productionCount, record.value, record.headers);
      checkEventTexts(`count batch of asset "${value.assetId}"`, value);
      checkCounts(value);
      return { kind: 'count', value };
    }
    case eventTopics.erpOrder.topic.name: {
      const value = decodeEvent(eventTopics.erpOrder, record.value, record.headers);
      checkEventTexts(`order "${value.orderId}" of asset "${value.assetId}"`, value);
      checkOrder(value);
      return { kind: 'order', value };
    }
    case eventTopics.erpShift.topic.name: {
      const value = decodeEvent(eventTopics.erpShift, record.value, record.headers);
      checkEventTexts(`shift "${value.shiftId}" of asset "${value.assetId}"`, value);
      checkShift(value);
      return { kind: 'shift', value };
    }
    default:
      return undefined;
  }
}

export function stateTimeOf(event: MachineStateEvent): number | undefined {
  if (event.event?.$case === 'change') return event.event.value.startTimeUs;
  if (event.event?.$case === 'reason') return event.event.value.stopStartTimeUs;
  return undefined;
}
