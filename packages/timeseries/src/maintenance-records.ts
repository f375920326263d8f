// The maintenance records as the store takes and returns them (alerts with their life cycle, asset health per
// feature window) and their forms on kiln.maintenance.alert.v1 and kiln.maintenance.health.v1.
import {
  AlertSeverity,
  AlertStatus,
  type AssetHealth,
  type MaintenanceAlert,
  type RemainingUsefulLife,
} from '@kiln/contracts';
import { ALERT_SEVERITIES, ALERT_STATUSES } from './migrations';

export type AlertSeverityName = (typeof ALERT_SEVERITIES)[number];
export type AlertStatusName = (typeof ALERT_STATUSES)[number];

export interface RulInterval {
  estimateH: number;
  lowerH: number;
  upperH: number;
}

export interface StoredAlert {
  alertId: string;
  assetId: string;
  cause: string;
  signal: string;
  severity: AlertSeverityName;
  status: AlertStatusName;
  message: string;
  openedTimeUs: number;
  updatedTimeUs: number;
  resolvedTimeUs: number | undefined;
  healthIndex: number | undefined;
  rul: RulInterval | undefined;
  actor: string;
  details: Record<string, string>;
}

export interface NewAlert {
  alertId: string;
  assetId: string;
  cause: string;
  signal: string;
  severity: AlertSeverityName;
  message: string;
  openedTimeUs: number;
  healthIndex: number | undefined;
  rul: RulInterval | undefined;
  details: Record<string, string>;
}

export interface AlertPatch {
  severity: AlertSeverityName;
  signal: string;
  message: string;
  updatedTimeUs: number;
  healthIndex: number | undefined;
  rul: RulInterval | undefined;
  /** Merged over the stored details (the patch's keys win), so an operator's `comment` survives updates. */
  details: Record<string, string>;
}

export interface SignalHealthRow {
  signal: string;
  healthIndex: number;
  anomalyScore: number;
  zone: string;
  value: number;
  unit: string;
}

export interface AssetHealthRow {
  assetId: string;
  timeUs: number;
  healthIndex: number;
  rul: RulInterval | undefined;
  baselineReady: boolean;
  anomalyScore: number;
  signals: SignalHealthRow[];
}

export interface AlertListFilter {
  assetId?: string;
  /** A site or line id: only alerts of assets whose id starts with `assetPrefix + '/'`. */
  assetPrefix?: string;
  /** Empty or absent: every status. */
  statuses?: readonly AlertStatusName[];
  limit: number;
  /** The keyset of the last alert of the previous page. */
  after?: { openedTimeUs: number; alertId: string };
}

export class AlertNotFoundError extends Error {
  override readonly name = 'AlertNotFoundError';
  constructor(readonly alertId: string) {
    super(`no maintenance alert "${alertId}"`);
  }
}

export class AlertTransitionError extends Error {
  override readonly name = 'AlertTransitionError';
  constructor(
    readonly alertId: string,
    readonly status: AlertStatusName,
    readonly wanted: 'acknowledge' | 'resolve',
  ) {
    super(
      `alert "${alertId}" is ${status} and cannot be ${wanted === 'acknowledge' ? 'acknowledged' : 'resolved'}`,
    );
  }
}

const SEVERITY_ENUMS: Record<AlertSeverityName, AlertSeverity> = {
  info: AlertSeverity.ALERT_SEVERITY_INFO,
  warning: AlertSeverity.ALERT_SEVERITY_WARNING,
  critical: AlertSeverity.ALERT_SEVERITY_CRITICAL,
};

const STATUS_ENUMS: Record<AlertStatusName, AlertStatus> = {
  open: AlertStatus.ALERT_STATUS_OPEN,
  acknowledged: AlertStatus.ALERT_STATUS_ACKNOWLEDGED,
  resolved: AlertStatus.ALERT_STATUS_RESOLVED,
};

export const alertSeverityEnum = (severity: AlertSeverityName): AlertSeverity => SEVERITY_ENUMS[severity];
export const alertStatusEnum = (status: AlertStatusName): AlertStatus => STATUS_ENUMS[status];

/** The stored name of a status enum value; undefined for UNSPECIFIED or a value this version does not know. */
export function alertStatusName(status: AlertStatus): AlertStatusName | undefined {
  return ALERT_STATUSES.find((name) => STATUS_ENUMS[name] === status);
}

/** The stored name of a severity enum value; undefined for UNSPECIFIED or a value this version does not know. */
export function alertSeverityName(severity: AlertSeverity): AlertSeverityName | undefined {
  return ALERT_SEVERITIES.find((name) => SEVERITY_ENUMS[name] === severity);
}

const rulMessage = (rul: RulInterval | undefined): RemainingUsefulLife | undefined =>
  rul === undefined ? undefined : { estimateH: rul.estimateH, lowerH: rul.lowerH, upperH: rul.upperH };

/** The alert's whole current state as published on kiln.maintenance.alert.v1 (resolved time 0 while unresolved). */
export function alertToEvent(alert: StoredAlert): MaintenanceAlert {
  return {
    alertId: alert.alertId,
    assetId: alert.assetId,
    cause: alert.cause,
    signal: alert.signal,
    severity: SEVERITY_ENUMS[alert.severity],
    status: STATUS_ENUMS[alert.status],
    message: alert.message,
    openedTimeUs: alert.openedTimeUs,
    updatedTimeUs: alert.updatedTimeUs,
    resolvedTimeUs: alert.resolvedTimeUs ?? 0,
    ...(alert.healthIndex === undefined ? {} : { healthIndex: alert.healthIndex }),
    rul: rulMessage(alert.rul),
    actor: alert.actor,
    details: { ...alert.details },
  };
}

export function healthToEvent(row: AssetHealthRow): AssetHealth {
  return {
    assetId: row.assetId,
    timeUs: row.timeUs,
    healthIndex: row.healthIndex,
    rul: rulMessage(row.rul),
    baselineReady: row.baselineReady,
    anomalyScore: row.anomalyScore,
    signals: row.signals.map((signal) => ({ ...signal })),
  };
}

export function healthFromEvent(event: AssetHealth): AssetHealthRow {
  return {
    assetId: event.assetId,
    timeUs: event.timeUs,
    healthIndex: event.healthIndex,
    rul: rulMessage(event.rul),
    baselineReady: event.baselineReady,
    anomalyScore: event.anomalyScore,
    signals: event.signals.map((signal) => ({
      signal: signal.signal,
      healthIndex: signal.healthIndex,
      anomalyScore: signal.anomalyScore,
      zone: signal.zone,
      value: signal.value,
      unit: signal.unit,
    })),
  };
}
