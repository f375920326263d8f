// The outbound consumer's input decoded from kiln.production-count.v1 and kiln.maintenance.alert.v1, and the rules
// a record must meet (a record that breaks one goes to the dead-letter topic, the partition keeps flowing).
import type { BusRecord } from '@kiln/bus';
import { decodeEvent, eventTopics, type MaintenanceAlert, type ProductionCountDelta } from '@kiln/contracts';
import {
  alertSeverityName,
  alertStatusName,
  type AlertSeverityName,
  type AlertStatusName,
} from '@kiln/timeseries';

export class RuleError extends Error {
  override readonly name = 'RuleError';
}

/** Latest time the database stores (9999-12-31); earlier than 1970 is refused too: µs since the epoch. */
const MAX_TIME_US = Date.UTC(9999, 11, 31, 23, 59, 59, 999) * 1000;

export interface DecodedCounts {
  readonly assetId: string;
  readonly deltas: readonly ProductionCountDelta[];
}

export function decodeCounts(record: BusRecord): DecodedCounts {
  const batch = decodeEvent(eventTopics.productionCount, record.value, record.headers);
  if (batch.assetId === '') throw new RuleError('production count batch has no asset id');
  if (record.key !== '' && record.key !== batch.assetId) {
    throw new RuleError(`production count batch of asset "${batch.assetId}" was keyed "${record.key}"`);
  }
  batch.deltas.forEach((delta, i) => {
    const at = `delta ${i} of asset "${batch.assetId}"`;
    if (!Number.isSafeInteger(delta.timeUs) || delta.timeUs < 0 || delta.timeUs > MAX_TIME_US) {
      throw new RuleError(`${at}: time ${delta.timeUs} us is not a time between 1970 and 9999`);
    }
  });
  return { assetId: batch.assetId, deltas: batch.deltas };
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
