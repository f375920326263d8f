// What Kiln tells the ERP, built from Kiln's own data: a confirmation of an order operation, final or partial
// (quantities from the counts, activity times from the machine states over the span confirmed) and a maintenance request from
// an open alert. Pure functions: no database, no clock.
import type { MaintenanceAlert } from '@kiln/contracts';
import type { AlertSeverityName, OrderCountTotals, StoredErpOrder } from '@kiln/timeseries';
import type { MaintenanceRequest, OrderConfirmation } from '../adapters/types';

/** Producing: machine time. */
export const MACHINE_TIME_STATES: readonly string[] = ['RUNNING'];
/** ISO 22400-2 setup and adjustment losses: setup time. */
export const SETUP_STATES: readonly string[] = ['CHANGEOVER'];
/**
 * Unplanned stops (docs/architecture.md section 6: breakdowns and the stops that reduce actual production time): down time.
 * Planned stops (PLANNED_STOP, NO_ORDER) and OFFLINE (no data) are in none of the three.
 */
export const DOWN_STATES: readonly string[] = ['BREAKDOWN', 'UNKNOWN_STOP', 'IDLE', 'STARVED', 'BLOCKED'];

export interface ActivityTimes {
  readonly machineTimeS: number;
  readonly setupTimeS: number;
  readonly downTimeS: number;
}

const sumOf = (durations: ReadonlyMap<string, number>, states: readonly string[]): number =>
  states.reduce((sum, state) => sum + (durations.get(state) ?? 0), 0);

export function activityTimes(secondsByState: ReadonlyMap<string, number>): ActivityTimes {
  return {
    machineTimeS: sumOf(secondsByState, MACHINE_TIME_STATES),
    setupTimeS: sumOf(secondsByState, SETUP_STATES),
    downTimeS: sumOf(secondsByState, DOWN_STATES),
  };
}

/**
 * The operation of an order that ran on the asset: the one mapped to the asset, else the one on the asset's work
 * center, else the first (an order with one operation, the usual case).
 */
export function operationOn(
  operations: readonly StoredErpOrder[],
  assetId: string,
  workCenter: string | undefined,
): StoredErpOrder | undefined {
  return (
    operations.find((operation) => operation.assetId === assetId) ??
    operations.find((operation) => workCenter !== undefined && operation.workCenter === workCenter) ??
    operations[0]
  );
}

/**
 * The latest partial-confirmation boundary at or before `timeUs`: boundaries are multiples of the interval since
 * the epoch (UTC), so an interval dividing a day falls on the same clock times every day.
 */
export function intervalBoundaryUs(timeUs: number, everyMinutes: number): number {
  const intervalUs = everyMinutes * 60_000_000;
  return Math.floor(timeUs / intervalUs) * intervalUs;
}

export interface ConfirmationInput {
  readonly idempotencyKey: string;
  /** False: a partial confirmation, more of the order follows. */
  readonly final: boolean;
  readonly operation: StoredErpOrder;
  readonly totals: OrderCountTotals;
  readonly secondsByState: ReadonlyMap<string, number>;
  readonly startUs: number;
  readonly endUs: number;
}

export function orderConfirmation(input: ConfirmationInput): OrderConfirmation {
  return {
    idempotencyKey: input.idempotencyKey,
    orderId: input.operation.orderId,
    operationId: input.operation.operationId,
    workCenter: input.operation.workCenter,
    yieldQuantity: input.totals.goodCount,
    scrapQuantity: input.totals.scrapCount,
    quantityUnit: input.operation.quantityUnit,
    ...activityTimes(input.secondsByState),
    startUs: input.startUs,
    endUs: input.endUs,
    final: input.final,
  };
}

const SEVERITY_RANK: Record<AlertSeverityName, number> = { info: 0, warning: 1, critical: 2 };

export const atLeast = (severity: AlertSeverityName, minimum: AlertSeverityName): boolean =>
  SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];

/** SAP's notification short text holds 40 characters. */
const TITLE_LENGTH = 40;

function shortText(text: string): string {
  return text.length <= TITLE_LENGTH ? text : `${text.slice(0, TITLE_LENGTH - 1)}…`;
}

export function maintenanceRequest(
  alert: MaintenanceAlert,
  severity: AlertSeverityName,
  workCenter: string,
  idempotencyKey: string,
): MaintenanceRequest {
  const evidence = Object.entries(alert.details)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}: ${value}`);
  const description = [
    alert.message,
    `Asset: ${alert.assetId}`,
    ...(alert.signal === '' ? [] : [`Signal: ${alert.signal}`]),
    `Cause: ${alert.cause}`,
    ...(alert.healthIndex === undefined ? [] : [`Health index: ${alert.healthIndex.toFixed(1)}`]),
    ...(alert.rul === undefined
      ? []
      : [`Remaining useful life: ${alert.rul.estimateH} h (${alert.rul.lowerH}-${alert.rul.upperH} h)`]),
    ...evidence,
    `Kiln alert: ${alert.alertId}`,
  ].filter((line) => line !== '');
  return {
    idempotencyKey,
    alertId: alert.alertId,
    assetId: alert.assetId,
    workCenter,
    cause: alert.cause,
    severity,
    title: shortText(alert.message === '' ? `${severity}: ${alert.cause}` : alert.message),
    description: description.join('\n'),
    healthIndex: alert.healthIndex,
    rul:
      alert.rul === undefined
        ? undefined
        : { estimateH: alert.rul.estimateH, lowerH: alert.rul.lowerH, upperH: alert.rul.upperH },
    openedTimeUs: alert.openedTimeUs,
  };
}
