// The maintenance service's storage (migration 7): alerts with their life cycle, asset health per feature
// window, and each asset's model state. Alert deduplication is the database's: at most one unresolved alert per
// asset and cause (a partial unique index), so two instances that briefly own the same partition during a
// rebalance, or a service replaying after a restart, never open the same alert twice.
import type { Queryable } from './database';
import { ALERT_SEVERITIES as SEVERITIES, ALERT_STATUSES as STATUSES } from './migrations';
import {
  AlertNotFoundError,
  AlertTransitionError,
  type AlertListFilter,
  type AlertPatch,
  type AlertSeverityName,
  type AlertStatusName,
  type AssetHealthRow,
  type NewAlert,
  type RulInterval,
  type SignalHealthRow,
  type StoredAlert,
} from './maintenance-records';
import {
  checkedSchema,
  checkLimit,
  checkOneOf,
  epochUsOf,
  InvalidArgumentError,
  positionalParameters,
  timestampParam,
} from './sql';

interface AlertRow {
  alert_id: string;
  asset_id: string;
  cause: string;
  signal: string;
  severity: AlertSeverityName;
  status: AlertStatusName;
  message: string;
  opened_us: number;
  updated_us: number;
  resolved_us: number | null;
  health_index: number | null;
  rul_estimate_h: number | null;
  rul_lower_h: number | null;
  rul_upper_h: number | null;
  actor: string;
  details: Record<string, string> | null;
}

interface HealthRow {
  asset_id: string;
  time_us: number;
  health_index: number;
  rul_estimate_h: number | null;
  rul_lower_h: number | null;
  rul_upper_h: number | null;
  baseline_ready: boolean;
  anomaly_score: number;
  signals: SignalHealthRow[] | null;
}

const ALERT_COLUMNS = `alert_id, asset_id, cause, signal, severity, status, message,
  ${epochUsOf('opened_time')} AS opened_us, ${epochUsOf('updated_time')} AS updated_us,
  ${epochUsOf('resolved_time')} AS resolved_us, health_index, rul_estimate_h, rul_lower_h, rul_upper_h,
  actor, details`;

const HEALTH_COLUMNS = `asset_id, ${epochUsOf('time')} AS time_us, health_index, rul_estimate_h, rul_lower_h,
  rul_upper_h, baseline_ready, anomaly_score, signals`;

/** Rows per statement when writing health or model states. */
const MAX_ROWS_PER_STATEMENT = 1000;

function rulOf(row: {
  rul_estimate_h: number | null;
  rul_lower_h: number | null;
  rul_upper_h: number | null;
}): RulInterval | undefined {
  if (row.rul_estimate_h === null) return undefined;
  return { estimateH: row.rul_estimate_h, lowerH: row.rul_lower_h ?? 0, upperH: row.rul_upper_h ?? 0 };
}

const rulParams = (rul: RulInterval | undefined): (number | null)[] =>
  rul === undefined ? [null, null, null] : [rul.estimateH, rul.lowerH, rul.upperH];

function alertOf(row: AlertRow): StoredAlert {
  return {
    alertId: row.alert_id,
    assetId: row.asset_id,
    cause: row.cause,
    signal: row.signal,
    severity: row.severity,
    status: row.status,
    message: row.message,
    openedTimeUs: Math.round(row.opened_us),
    updatedTimeUs: Math.round(row.updated_us),
    resolvedTimeUs: row.resolved_us === null ? undefined : Math.round(row.resolved_us),
    healthIndex: row.health_index ?? undefined,
    rul: rulOf(row),
    actor: row.actor,
    details: row.details ?? {},
  };
}

function healthOf(row: HealthRow): AssetHealthRow {
  return {
    assetId: row.asset_id,
    timeUs: Math.round(row.time_us),
    healthIndex: row.health_index,
    rul: rulOf(row),
    baselineReady: row.baseline_ready,
    anomalyScore: row.anomaly_score,
    signals: row.signals ?? [],
  };
}

function checkSeverity(severity: string, alertId: string): void {
  checkOneOf(severity, SEVERITIES, `alert "${alertId}": severity`);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_ROWS_PER_STATEMENT) {
    out.push(items.slice(i, i + MAX_ROWS_PER_STATEMENT));
  }
  return out;
}

export class MaintenanceStore {
  private readonly alerts: string;
  private readonly health: string;
  private readonly models: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    const s = `"${checkedSchema(schema)}"`;
    this.alerts = `${s}.maintenance_alerts`;
    this.health = `${s}.asset_health`;
    this.models = `${s}.maintenance_model_state`;
  }

  /**
   * Inserts the alert unless an unresolved one of the same asset and cause exists; returns the unresolved alert
   * of that asset and cause and whether it was created now. Race-safe: the insert conflicts on the partial unique
   * index, and the alert that won is read after it committed. Re-inserting a stored alert id (a replay) returns
   * that alert, whatever its status, with created false.
   */
  async openAlert(alert: NewAlert): Promise<{ alert: StoredAlert; created: boolean }> {
    checkSeverity(alert.severity, alert.alertId);
    const openedAt = timestampParam(alert.openedTimeUs, `alert "${alert.alertId}" openedTimeUs`);
    // The unresolved alert that blocked the insert may be resolved before it is read: then insert again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.db.query<AlertRow>(
        `INSERT INTO ${this.alerts} (alert_id, asset_id, cause, signal, severity, status, message, opened_time,
           updated_time, health_index, rul_estimate_h, rul_lower_h, rul_upper_h, actor, details)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7::timestamptz, $7::timestamptz, $8, $9, $10, $11, '', $12::jsonb)
         ON CONFLICT DO NOTHING
         RETURNING ${ALERT_COLUMNS}`,
        [
          alert.alertId,
          alert.assetId,
          alert.cause,
          alert.signal,
          alert.severity,
          alert.message,
          openedAt,
          alert.healthIndex ?? null,
          ...rulParams(alert.rul),
          JSON.stringify(alert.details),
        ],
      );
      const created = rows[0];
      if (created !== undefined) return { alert: alertOf(created), created: true };
      const replayed = await this.getAlert(alert.alertId);
      if (replayed !== undefined) return { alert: replayed, created: false };
      const unresolved = await this.db.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM ${this.alerts}
          WHERE asset_id = $1 AND cause = $2 AND status <> 'resolved'`,
        [alert.assetId, alert.cause],
      );
      const existing = unresolved.rows[0];
      if (existing !== undefined) return { alert: alertOf(existing), created: false };
    }
    throw new Error(
      `alert "${alert.alertId}" of asset "${alert.assetId}" (cause "${alert.cause}") was neither inserted nor ` +
        'found unresolved after 3 attempts: another writer keeps opening and resolving this cause',
    );
  }

  /** Updates an unresolved alert (its status is kept); undefined when it is resolved or missing. */
  async updateAlert(alertId: string, patch: AlertPatch): Promise<StoredAlert | undefined> {
    checkSeverity(patch.severity, alertId);
    const { rows } = await this.db.query<AlertRow>(
      `UPDATE ${this.alerts}
          SET severity = $2, signal = $3, message = $4, updated_time = $5::timestamptz, health_index = $6,
              rul_estimate_h = $7, rul_lower_h = $8, rul_upper_h = $9, details = details || $10::jsonb
        WHERE alert_id = $1 AND status <> 'resolved'
        RETURNING ${ALERT_COLUMNS}`,
      [
        alertId,
        patch.severity,
        patch.signal,
        patch.message,
        timestampParam(patch.updatedTimeUs, `alert "${alertId}" updatedTimeUs`),
        patch.healthIndex ?? null,
        ...rulParams(patch.rul),
        JSON.stringify(patch.details),
      ],
    );
    const row = rows[0];
    return row === undefined ? undefined : alertOf(row);
  }

  async getAlert(alertId: string): Promise<StoredAlert | undefined> {
    const { rows } = await this.db.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM ${this.alerts} WHERE alert_id = $1`,
      [alertId],
    );
    const row = rows[0];
    return row === undefined ? undefined : alertOf(row);
  }

  /**
   * open -> acknowledged; acknowledging an acknowledged alert again is allowed and records the new actor and
   * comment. A resolved alert is an AlertTransitionError. A non-empty comment is stored as `details.comment`.
   */
  acknowledgeAlert(alertId: string, actor: string, comment: string, timeUs: number): Promise<StoredAlert> {
    return this.transition(alertId, 'acknowledge', actor, comment, timeUs);
  }

  /** open | acknowledged -> resolved (resolved_time = timeUs); a resolved alert is an AlertTransitionError. */
  resolveAlert(alertId: string, actor: string, comment: string, timeUs: number): Promise<StoredAlert> {
    return this.transition(alertId, 'resolve', actor, comment, timeUs);
  }

  private async transition(
    alertId: string,
    wanted: 'acknowledge' | 'resolve',
    actor: string,
    comment: string,
    timeUs: number,
  ): Promise<StoredAlert> {
    const at = timestampParam(timeUs, `alert "${alertId}" ${wanted} time`);
    const { rows } = await this.db.query<AlertRow>(
      `UPDATE ${this.alerts}
          SET status = $2, actor = $3, updated_time = $5::timestamptz,
              resolved_time = CASE WHEN $2 = 'resolved' THEN $5::timestamptz END,
              details = CASE WHEN $4 = '' THEN details ELSE details || jsonb_build_object('comment', $4::text) END
        WHERE alert_id = $1 AND status IN ('open', 'acknowledged')
        RETURNING ${ALERT_COLUMNS}`,
      [alertId, wanted === 'acknowledge' ? 'acknowledged' : 'resolved', actor, comment, at],
    );
    const row = rows[0];
    if (row !== undefined) return alertOf(row);
    const current = await this.getAlert(alertId);
    if (current === undefined) throw new AlertNotFoundError(alertId);
    throw new AlertTransitionError(alertId, current.status, wanted);
  }

  /** The statuses of those of these alerts that exist (the service notices alerts people resolved). */
  async alertStatuses(alertIds: readonly string[]): Promise<Map<string, AlertStatusName>> {
    if (alertIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ alert_id: string; status: AlertStatusName }>(
      `SELECT alert_id, status FROM ${this.alerts} WHERE alert_id = ANY($1::text[])`,
      [[...alertIds]],
    );
    return new Map(rows.map((row) => [row.alert_id, row.status]));
  }

  /** Alerts newest opened first (ties by alert id, descending), after the `after` keyset. */
  async listAlerts(filter: AlertListFilter): Promise<StoredAlert[]> {
    checkLimit(filter.limit);
    const where: string[] = [];
    const { params, param } = positionalParameters();
    if (filter.assetId !== undefined) where.push(`asset_id = ${param(filter.assetId)}`);
    if (filter.assetPrefix !== undefined) {
      where.push(`starts_with(asset_id, ${param(`${filter.assetPrefix}/`)}::text)`);
    }
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      for (const status of filter.statuses) checkOneOf(status, STATUSES, 'status');
      where.push(`status = ANY(${param([...filter.statuses])}::text[])`);
    }
    if (filter.after !== undefined) {
      const opened = param(timestampParam(filter.after.openedTimeUs, 'after.openedTimeUs'));
      where.push(`(opened_time, alert_id) < (${opened}::timestamptz, ${param(filter.after.alertId)}::text)`);
    }
    const { rows } = await this.db.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM ${this.alerts}
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY opened_time DESC, alert_id DESC
        LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(alertOf);
  }

  /** Upserts on (asset, time): a replayed window changes nothing, a re-scored one replaces the stored row. */
  async writeHealth(rows: readonly AssetHealthRow[]): Promise<void> {
    // ON CONFLICT DO UPDATE refuses a key twice in one statement: the last row of a key wins.
    const unique = [...new Map(rows.map((row) => [`${row.assetId}\u0000${row.timeUs}`, row])).values()];
    for (const chunk of chunks(unique)) {
      await this.db.query(
        `INSERT INTO ${this.health} (asset_id, time, health_index, rul_estimate_h, rul_lower_h, rul_upper_h,
           baseline_ready, anomaly_score, signals)
         SELECT asset_id, time, health_index, rul_estimate_h, rul_lower_h, rul_upper_h, baseline_ready,
                anomaly_score, signals::jsonb
           FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
                       $7::bool[], $8::float8[], $9::text[])
             AS r(asset_id, time, health_index, rul_estimate_h, rul_lower_h, rul_upper_h, baseline_ready,
                  anomaly_score, signals)
         ON CONFLICT (asset_id, time) DO UPDATE
            SET health_index = EXCLUDED.health_index, rul_estimate_h = EXCLUDED.rul_estimate_h,
                rul_lower_h = EXCLUDED.rul_lower_h, rul_upper_h = EXCLUDED.rul_upper_h,
                baseline_ready = EXCLUDED.baseline_ready, anomaly_score = EXCLUDED.anomaly_score,
                signals = EXCLUDED.signals`,
        [
          chunk.map((row) => row.assetId),
          chunk.map((row) => timestampParam(row.timeUs, `health of asset "${row.assetId}" timeUs`)),
          chunk.map((row) => row.healthIndex),
          chunk.map((row) => row.rul?.estimateH ?? null),
          chunk.map((row) => row.rul?.lowerH ?? null),
          chunk.map((row) => row.rul?.upperH ?? null),
          chunk.map((row) => row.baselineReady),
          chunk.map((row) => row.anomalyScore),
          chunk.map((row) => JSON.stringify(row.signals)),
        ],
      );
    }
  }

  async latestHealth(assetId: string): Promise<AssetHealthRow | undefined> {
    const { rows } = await this.db.query<HealthRow>(
      `SELECT ${HEALTH_COLUMNS} FROM ${this.health} WHERE asset_id = $1 ORDER BY time DESC LIMIT 1`,
      [assetId],
    );
    const row = rows[0];
    return row === undefined ? undefined : healthOf(row);
  }

  /** Health rows in [fromUs, toUs), oldest first, at most `limit`. */
  async healthHistory(
    assetId: string,
    fromUs: number,
    toUs: number,
    limit: number,
  ): Promise<AssetHealthRow[]> {
    checkLimit(limit);
    const { rows } = await this.db.query<HealthRow>(
      `SELECT ${HEALTH_COLUMNS} FROM ${this.health}
        WHERE asset_id = $1 AND time >= $2::timestamptz AND time < $3::timestamptz
        ORDER BY time LIMIT $4`,
      [assetId, timestampParam(fromUs, 'fromUs'), timestampParam(toUs, 'toUs'), limit],
    );
    return rows.map(healthOf);
  }

  /**
   * Upserts each asset's model state. A state older than the stored one (updatedUs) is ignored, so an instance
   * that lost the asset's partition in a rebalance cannot overwrite what the new owner saved since.
   */
  async saveModelStates(
    states: readonly { assetId: string; state: unknown; updatedUs: number }[],
  ): Promise<void> {
    const unique = [...new Map(states.map((entry) => [entry.assetId, entry])).values()];
    for (const chunk of chunks(unique)) {
      await this.db.query(
        `INSERT INTO ${this.models} (asset_id, state, updated_at)
         SELECT asset_id, state::jsonb, updated_at
           FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS r(asset_id, state, updated_at)
         ON CONFLICT (asset_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
          WHERE ${this.models}.updated_at <= EXCLUDED.updated_at`,
        [
          chunk.map((entry) => entry.assetId),
          chunk.map((entry) => {
            const json = JSON.stringify(entry.state);
            if (json === undefined) {
              throw new InvalidArgumentError(
                `model state of asset "${entry.assetId}" is not JSON-serializable`,
              );
            }
            return json;
          }),
          chunk.map((entry) =>
            timestampParam(entry.updatedUs, `model state of asset "${entry.assetId}" updatedUs`),
          ),
        ],
      );
    }
  }

  /** The stored states of those of these assets that have one. */
  async loadModelStates(assetIds: readonly string[]): Promise<Map<string, unknown>> {
    if (assetIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ asset_id: string; state: unknown }>(
      `SELECT asset_id, state FROM ${this.models} WHERE asset_id = ANY($1::text[])`,
      [[...assetIds]],
    );
    return new Map(rows.map((row) => [row.asset_id, row.state]));
  }
}
