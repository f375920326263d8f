// The OEE service's inputs decoded from kiln.machine-state.v1, kiln.production-count.v1, kiln.erp.order.v1 and
// kiln.erp.shift.v1, and the rules a record must meet (a record that breaks one goes to the dead-letter topic).
import { RuleError, type BusRecord } from '@kiln/bus';
import {
  decodeEvent,
  eventTopics,
  MachineState,
  firstTextProblem,
  numberProblem,
  timeProblem,
  type MachineStateEvent,
  type ProductionCountBatch,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';

export type Decoded =
  | { kind: 'state'; record: BusRecord; value: MachineStateEvent }
  | { kind: 'count'; record: BusRecord; value: ProductionCountBatch }
  | { kind: 'order'; record: BusRecord; value: ProductionOrder }
  | { kind: 'shift'; record: BusRecord; value: Shift };

function checkTime(what: string, us: number, optional = false): void {
  if (optional && us === 0) return;
  const problem = timeProblem(us);
  if (problem !== undefined) throw new RuleError(`${what} ${problem}`);
}

function checkAmount(what: string, value: number): void {
  if (numberProblem(value, { min: 0 }) !== undefined)
    throw new RuleError(`${what} is ${value}, not a finite number >= 0`);
}

/**
 * Every text of an event, as the database keeps it: PostgreSQL refuses U+0000 (SQLSTATE 22021), which would
 * otherwise fail the insert of a whole batch.
 */
function checkTexts(what: string, message: object): void {
  const found = firstTextProblem(message);
  if (found !== undefined) throw new RuleError(`${what}: ${found.field} ${found.problem}`);
}

/** The rules the core and the database rely on, checked once here so that a bad record cannot stall a partition. */
function checkCounts(batch: ProductionCountBatch): void {
  batch.deltas.forEach((delta, i) => {
    const at = `count delta ${i} of asset "${batch.assetId}"`;
    checkTime(`${at}: time`, delta.timeUs);
    if (delta.intervalStartUs !== undefined) {
      checkTime(`${at}: intervalStartUs`, delta.intervalStartUs);
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
  checkTime(`${at}: scheduledStartUs`, order.scheduledStartUs, true);
  checkTime(`${at}: scheduledEndUs`, order.scheduledEndUs, true);
  checkTime(`${at}: actualStartUs`, order.actualStartUs, true);
  checkTime(`${at}: actualEndUs`, order.actualEndUs, true);
  checkTime(`${at}: changedTimeUs`, order.changedTimeUs, true);
}

function checkShift(shift: Shift): void {
  const at = `shift "${shift.shiftId}" of asset "${shift.assetId}"`;
  checkTime(`${at}: startUs`, shift.startUs);
  checkTime(`${at}: endUs`, shift.endUs);
  checkTime(`${at}: changedTimeUs`, shift.changedTimeUs, true);
  if (!(shift.endUs > shift.startUs)) throw new RuleError(`${at} ends at or before it starts`);
  shift.breaks.forEach((pause, i) => {
    checkTime(`${at}: break ${i} startUs`, pause.startUs);
    checkTime(`${at}: break ${i} endUs`, pause.endUs);
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
      checkTexts(at, value);
      const timeUs = stateTimeOf(value);
      if (timeUs !== undefined) checkTime(`${at}: time`, timeUs);
      if (value.event?.$case === 'reason') {
        checkTime(`${at}: assignedTimeUs`, value.event.value.assignedTimeUs, true);
      }
      return { kind: 'state', record, value };
    }
    case eventTopics.productionCount.topic.name: {
      const value = decodeEvent(eventTopics.productionCount, record.value, record.headers);
      checkTexts(`count batch of asset "${value.assetId}"`, value);
      checkCounts(value);
      return { kind: 'count', record, value };
    }
    case eventTopics.erpOrder.topic.name: {
      const value = decodeEvent(eventTopics.erpOrder, record.value, record.headers);
      checkTexts(`order "${value.orderId}" of asset "${value.assetId}"`, value);
      checkOrder(value);
      return { kind: 'order', record, value };
    }
    case eventTopics.erpShift.topic.name: {
      const value = decodeEvent(eventTopics.erpShift, record.value, record.headers);
      checkTexts(`shift "${value.shiftId}" of asset "${value.assetId}"`, value);
      checkShift(value);
      return { kind: 'shift', record, value };
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
