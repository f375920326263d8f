// The outbound consumer's input decoded from kiln.production-count.v1, kiln.maintenance.alert.v1 and kiln.oee.v1,
// and the rules a record must meet (a record that breaks one goes to the dead-letter topic, the partition keeps
// flowing).
import { RuleError, type BusRecord } from '@kiln/bus';
import {
  decodeEvent,
  eventTopics,
  firstTextProblem,
  OeeWindowKind,
  timeProblem,
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

function checkTime(timeUs: number, what: string): void {
  const problem = timeProblem(timeUs);
  if (problem !== undefined) throw new RuleError(`${what}: time ${problem}`);
}

/** Every text of an event, as the database keeps it (PostgreSQL refuses U+0000). */
function checkTexts(message: object, what: string): void {
  const found = firstTextProblem(message);
  if (found !== undefined) throw new RuleError(`${what}: ${found.field} ${found.problem}`);
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
  checkTexts(batch, `production count batch of asset "${batch.assetId}"`);
  batch.deltas.forEach((delta, i) => checkTime(delta.timeUs, `delta ${i} of asset "${batch.assetId}"`));
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
  checkTexts(result, what);
  checkTime(result.windowStartUs, `${what}, start`);
  checkTime(result.windowEndUs, `${what}, end`);
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
  checkTexts(alert, `maintenance alert "${alert.alertId}"`);
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
