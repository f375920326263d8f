// Maintenance alerts (raised by the maintenance service, stored in maintenance_alerts): listing within the
// principal's site, and people acknowledging and resolving them. Each change is stored first (the store is the
// truth the maintenance service reads back) and then published with the alert's whole state on
// kiln.maintenance.alert.v1. The actor is always the authenticated caller (its principal subject, `key:<id>` or
// the token's subject), never a name the request gives, as with stop reasons: the audit trail cannot be forged.
import type { EventBus } from '@kiln/bus';
import { encodeEvent, eventTopics } from '@kiln/contracts';
import {
  AlertNotFoundError,
  AlertTransitionError,
  alertToEvent,
  type AlertStatusName,
  type MaintenanceStore,
  type StoredAlert,
} from '@kiln/timeseries';
import { ALL_SITES, authorizeAsset, canSeeAsset, requireRole, type Principal } from '../auth/principal';
import { ApiError, invalidArgument, notFound } from '../errors';
import { checkAssetId, siteScopeOf } from './assets';
import { actorOf, siteOfChange, type AuditTrail } from './audit';
import { keysetOf, pageOf, pageSizeOf, type Page, type PageRequest } from './paging';

export interface AlertFilter {
  readonly assetId?: string;
  /** A site id (`acme/plant-1`); must be the credential's site unless it has every site. */
  readonly siteId?: string;
  /** Empty or absent: every status. */
  readonly statuses?: readonly AlertStatusName[];
}

export interface AlertChange {
  /** Stored in the alert's details under `comment`; empty keeps the previous comment. */
  readonly comment: string;
}

/** The most characters of a comment (REST and gRPC). */
export const MAX_COMMENT_LENGTH = 2000;

function cursorKey(alert: StoredAlert): string {
  return JSON.stringify([alert.openedTimeUs, alert.alertId]);
}

function afterOf(cursor: string | undefined): { openedTimeUs: number; alertId: string } | undefined {
  const keyset = keysetOf<[number, string]>(
    cursor,
    (p) => p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string',
  );
  return keyset === undefined ? undefined : { openedTimeUs: keyset[0], alertId: keyset[1] };
}

export class AlertOperations {
  constructor(
    private readonly store: MaintenanceStore,
    private readonly bus: EventBus,
    private readonly audit: AuditTrail,
    private readonly now: () => number = Date.now,
  ) {}

  /** Alerts newest opened first, limited to the principal's site (or the narrower site asked for). */
  async list(principal: Principal, filter: AlertFilter, page: PageRequest): Promise<Page<StoredAlert>> {
    requireRole(principal, 'reader');
    const site = siteScopeOf(principal, filter.siteId);
    if (filter.assetId !== undefined) {
      authorizeAsset({ ...principal, site }, checkAssetId('assetId', filter.assetId), 'reader');
    }
    const size = pageSizeOf(page);
    const after = afterOf(page.cursor);
    const alerts = await this.store.listAlerts({
      ...(filter.assetId === undefined ? {} : { assetId: filter.assetId }),
      ...(site === ALL_SITES ? {} : { assetPrefix: site }),
      ...(filter.statuses === undefined ? {} : { statuses: filter.statuses }),
      limit: size + 1,
      ...(after === undefined ? {} : { after }),
    });
    return pageOf(alerts, size, cursorKey);
  }

  /** One alert; not-found also for an alert of an asset outside the principal's site (its existence is not told). */
  async get(principal: Principal, alertId: string): Promise<StoredAlert> {
    requireRole(principal, 'reader');
    return this.visible(principal, alertId);
  }

  acknowledge(principal: Principal, alertId: string, change: AlertChange): Promise<StoredAlert> {
    return this.change(principal, alertId, change, 'acknowledge');
  }

  resolve(principal: Principal, alertId: string, change: AlertChange): Promise<StoredAlert> {
    return this.change(principal, alertId, change, 'resolve');
  }

  private async visible(principal: Principal, alertId: string): Promise<StoredAlert> {
    if (alertId === '') throw invalidArgument('alertId', 'is required');
    const alert = await this.store.getAlert(alertId);
    if (alert === undefined || !canSeeAsset(principal, alert.assetId)) throw notFound(`no alert ${alertId}`);
    return alert;
  }

  private async change(
    principal: Principal,
    alertId: string,
    change: AlertChange,
    wanted: 'acknowledge' | 'resolve',
  ): Promise<StoredAlert> {
    requireRole(principal, 'operator');
    if (change.comment.length > MAX_COMMENT_LENGTH) {
      throw invalidArgument('comment', `must be at most ${MAX_COMMENT_LENGTH} characters`);
    }
    const before = await this.visible(principal, alertId);
    authorizeAsset(principal, before.assetId, 'operator');
    const timeUs = this.now() * 1000;
    let after: StoredAlert;
    try {
      after =
        wanted === 'acknowledge'
          ? await this.store.acknowledgeAlert(alertId, principal.subject, change.comment, timeUs)
          : await this.store.resolveAlert(alertId, principal.subject, change.comment, timeUs);
    } catch (error) {
      if (error instanceof AlertNotFoundError) throw notFound(`no alert ${alertId}`);
      if (error instanceof AlertTransitionError) throw new ApiError('failed-precondition', error.message);
      throw error;
    }
    await this.audit.record(actorOf(principal), {
      action: `alert.${wanted}`,
      target: alertId,
      site: siteOfChange(after.assetId),
      detail: { assetId: after.assetId, comment: change.comment, from: before.status, to: after.status },
    });
    const topic = eventTopics.maintenanceAlert;
    await this.bus.publish(topic.topic.name, [encodeEvent(topic, alertToEvent(after))]);
    return after;
  }
}
