// The outbound consumer's input decoded from kiln.production-count.v1, kiln.maintenance.alert.v1 and kiln.oee.v1,
// and the rules a record must meet: the subscription's decoder, so a record that breaks one goes to the dead-letter
// topic at once and the partition keeps flowing (docs/events.md, "Subscribing").
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  decodeEvent,
  eventTopics,
  OeeWindowKind,
  RuleError,
  topics,
  type MaintenanceAlert,
  type ProductionCountDelta,
} from '@kiln/contracts';
import {
  alertSeverityName,
  alertStatusName,
  type AlertSeverityName,
  type AlertStatusName,
} from '@kiln/timeseries';

export interface DecodedCounts {
  readonly assetId: string;
  readonly deltas: readonly ProductionCountDelta[];
}

function checkKey(record: BusRecord, assetId: string, what: string): void {
  if (record.key !== '' && record.key !== assetId) {
    throw new RuleError(`${what} of asset "${assetId}" was keyed "${record.key}"`);
  }
}

export function decodeCounts(record: BusRecord): DecodedCounts {
  const batch = decodeEvent(eventTopics.productionCount, record.value, record.headers);
  if (batch.assetId === '') throw new RuleError('production count batch has no asset id');
  checkKey(record, batch.assetId, 'production count batch');
  checkEventTexts(`production count batch of asset "${batch.assetId}"`, batch);
  batch.deltas.forEach((delta, i) =>
    checkEventTime(`delta ${i} of asset "${batch.assetId}": time`, delta.timeUs),
  );
  return { assetId: batch.assetId, deltas: batch.deltas };
}

/** A closed shift window of an asset, from its OEE result. */
export interface ShiftEnd {
  readonly assetId: string;
  readonly shiftId: string;
  readonly endUs: number;
}

/** The shift end an OEE result reports; undefined for the results of other windows (hours, days, orders). */
export function decodeShiftEnd(record: BusRecord): ShiftEnd | undefined {
  const result = decodeEvent(eventTopics.oee, record.value, record.headers);
  if (result.windowKind !== OeeWindowKind.OEE_WINDOW_KIND_SHIFT) return undefined;
  if (result.assetId === '') throw new RuleError(`OEE result of shift "${result.windowRef}" has no asset id`);
  checkKey(record, result.assetId, `OEE result of shift "${result.windowRef}"`);
  const what = `OEE result of shift "${result.windowRef}" of asset "${result.assetId}"`;
  checkEventTexts(what, result);
  checkEventTime(`${what}, start: time`, result.windowStartUs);
  checkEventTime(`${what}, end: time`, result.windowEndUs);
  if (result.windowEndUs <= result.windowStartUs) {
    throw new RuleError(
      `${what} ends at ${result.windowEndUs} us, not after its start ${result.windowStartUs} us`,
    );
  }
  return { assetId: result.assetId, shiftId: result.windowRef, endUs: result.windowEndUs };
}

export interface DecodedAlert {
  readonly alert: MaintenanceAlert;
  readonly severity: AlertSeverityName;
  readonly status: AlertStatusName;
}

export function decodeAlert(record: BusRecord): DecodedAlert {
  const alert = decodeEvent(eventTopics.maintenanceAlert, record.value, record.headers);
  if (alert.alertId === '') throw new RuleError('maintenance alert has no alert id');
  if (alert.assetId === '') throw new RuleError(`maintenance alert "${alert.alertId}" has no asset id`);
  checkEventTexts(`maintenance alert "${alert.alertId}"`, alert);
  const severity = alertSeverityName(alert.severity);
  const status = alertStatusName(alert.status);
  if (severity === undefined) {
    throw new RuleError(
      `maintenance alert "${alert.alertId}" has severity ${alert.severity}, not info/warning/critical`,
    );
  }
  if (status === undefined) {
    throw new RuleError(
      `maintenance alert "${alert.alertId}" has status ${alert.status}, not open/acknowledged/resolved`,
    );
  }
  return { alert, severity, status };
}

/** One input of the outbound consumer, by the topic it came from. */
export type OutboundInput =
  | { readonly kind: 'counts'; readonly value: DecodedCounts }
  | { readonly kind: 'alert'; readonly value: DecodedAlert }
  | { readonly kind: 'shift-end'; readonly value: ShiftEnd };

/** The outbound subscription's decoder; undefined for the OEE results of windows other than shifts. */
export function decodeOutboundRecord(record: BusRecord): OutboundInput | undefined {
  switch (record.topic) {
    case topics.productionCount.name:
      return { kind: 'counts', value: decodeCounts(record) };
    case topics.maintenanceAlert.name:
      return { kind: 'alert', value: decodeAlert(record) };
    case topics.oee.name: {
      const shiftEnd = decodeShiftEnd(record);
      return shiftEnd === undefined ? undefined : { kind: 'shift-end', value: shiftEnd };
    }
    default:
      return undefined;
  }
}
