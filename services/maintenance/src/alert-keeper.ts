// Applies the model's alert decisions to the alert store, and notices alerts people resolved. The store's partial
// unique index (one unresolved alert per asset and cause) is the deduplication that survives restarts and
// rebalances; this keeper only remembers which unresolved alert belongs to which asset and cause.
import type { AlertDecision } from '@kiln/pdm';
import type { AlertPatch, MaintenanceStore, StoredAlert } from '@kiln/timeseries';
import { alertIdOf } from './alert-ids';

export interface AppliedDecision {
  /** The alert in its stored state, to publish; undefined when the decision found no unresolved alert. */
  readonly alert: StoredAlert | undefined;
  readonly action: 'opened' | 'updated' | 'none';
}

function patchOf(decision: AlertDecision): AlertPatch {
  return {
    severity: decision.severity,
    signal: decision.signal,
    message: decision.message,
    updatedTimeUs: decision.timeUs,
    healthIndex: decision.healthIndex,
    rul: decision.rul,
    details: decision.details,
  };
}

export class AlertKeeper {
  /** Unresolved alerts: asset id -> cause -> alert id. */
  private readonly unresolved = new Map<string, Map<string, string>>();
  /** Causes whose alert people resolved, to re-arm in the asset's model before its next samples. */
  private readonly resolved = new Map<string, Set<string>>();

  constructor(private readonly store: MaintenanceStore) {}

  /**
   * Learns an asset's alerts when its model is loaded (a new owner of its partition, a restart): the unresolved
   * ones, and the causes whose latest alert is resolved (their detectors are re-armed; re-arming an idle
   * detector changes nothing).
   */
  async loadAsset(assetId: string): Promise<void> {
    const recent = await this.store.listAlerts({ assetId, limit: 50 });
    const byCause = new Map<string, string>();
    const latestStatus = new Map<string, string>();
    for (const alert of recent) {
      if (!latestStatus.has(alert.cause)) latestStatus.set(alert.cause, alert.status);
      if (alert.status !== 'resolved' && !byCause.has(alert.cause)) byCause.set(alert.cause, alert.alertId);
    }
    this.unresolved.set(assetId, byCause);
    for (const [cause, status] of latestStatus) {
      if (status === 'resolved') this.markResolved(assetId, cause);
    }
  }

  forget(assetId: string): void {
    this.unresolved.delete(assetId);
    this.resolved.delete(assetId);
  }

  /** Causes of this asset resolved by people since the last call. */
  takeResolved(assetId: string): string[] {
    const causes = this.resolved.get(assetId);
    this.resolved.delete(assetId);
    return causes === undefined ? [] : [...causes];
  }

  async apply(assetId: string, decision: AlertDecision): Promise<AppliedDecision> {
    const known = this.unresolved.get(assetId) ?? new Map<string, string>();
    this.unresolved.set(assetId, known);
    if (decision.action === 'update') {
      const alertId = known.get(decision.cause);
      const alert =
        alertId === undefined ? undefined : await this.store.updateAlert(alertId, patchOf(decision));
      if (alert !== undefined) return { alert, action: 'updated' };
      // Resolved by a person meanwhile: the model re-arms, and a condition that persists opens a new alert.
      known.delete(decision.cause);
      this.markResolved(assetId, decision.cause);
      return { alert: undefined, action: 'none' };
    }
    const alertId = alertIdOf(assetId, decision.cause, decision.timeUs);
    const opened = await this.store.openAlert({
      alertId,
      assetId,
      cause: decision.cause,
      signal: decision.signal,
      severity: decision.severity,
      message: decision.message,
      openedTimeUs: decision.timeUs,
      healthIndex: decision.healthIndex,
      rul: decision.rul,
      details: decision.details,
    });
    known.set(decision.cause, opened.alert.alertId);
    if (opened.created || opened.alert.alertId === alertId) {
      return { alert: opened.alert, action: opened.created ? 'opened' : 'none' };
    }
    // An alert of this asset and cause was still unresolved (a model rebuilt without it): it carries on.
    const alert = await this.store.updateAlert(opened.alert.alertId, patchOf(decision));
    return { alert: alert ?? opened.alert, action: 'updated' };
  }

  /** Reads back the statuses of the unresolved alerts this instance knows; returns how many were resolved. */
  async checkResolved(): Promise<number> {
    const ids = new Map<string, { assetId: string; cause: string }>();
    for (const [assetId, causes] of this.unresolved) {
      for (const [cause, alertId] of causes) ids.set(alertId, { assetId, cause });
    }
    if (ids.size === 0) return 0;
    const statuses = await this.store.alertStatuses([...ids.keys()]);
    let count = 0;
    for (const [alertId, owner] of ids) {
      const status = statuses.get(alertId);
      if (status !== undefined && status !== 'resolved') continue;
      const causes = this.unresolved.get(owner.assetId);
      // A batch may have opened a newer alert of this cause while the statuses were read.
      if (causes?.get(owner.cause) !== alertId) continue;
      causes.delete(owner.cause);
      this.markResolved(owner.assetId, owner.cause);
      count += 1;
    }
    return count;
  }

  private markResolved(assetId: string, cause: string): void {
    const causes = this.resolved.get(assetId) ?? new Set<string>();
    causes.add(cause);
    this.resolved.set(assetId, causes);
  }
}
