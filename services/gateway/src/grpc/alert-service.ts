// kiln.v1.AlertService over AlertOperations: a reader lists alerts within the credential's site (site_id narrows
// it), an operator acknowledges and resolves them. The request's `actor` is ignored: the stored actor is always
// the authenticated caller (see domain/alerts.ts). An unknown alert is NOT_FOUND, a transition the life cycle
// forbids (acknowledging or resolving a resolved alert) FAILED_PRECONDITION.
import type { api } from '@kiln/contracts';
import { alertStatusName, alertToEvent, type AlertStatusName } from '@kiln/timeseries';
import { invalidArgument } from '../errors';
import { unary, type GrpcHandlerContext } from './call';
import { nextPageTokenOf, pageRequestOf } from './convert';

function checkAlertId(alertId: string): string {
  if (alertId === '') throw invalidArgument('alert_id', 'is required');
  return alertId;
}

function statusesOf(statuses: readonly number[]): AlertStatusName[] {
  return statuses.map((status, i) => {
    const name = alertStatusName(status);
    if (name === undefined) throw invalidArgument(`statuses[${i}]`, `${status} is not an AlertStatus`);
    return name;
  });
}

export function alertService(context: GrpcHandlerContext): api.AlertServiceServer {
  const { api: gateway } = context;
  return {
    listAlerts: unary(context, 'ListAlerts', async (request: api.ListAlertsRequest, principal) => {
      const page = await gateway.alerts.list(
        principal,
        {
          ...(request.assetId === '' ? {} : { assetId: request.assetId }),
          ...(request.siteId === '' ? {} : { siteId: request.siteId }),
          statuses: statusesOf(request.statuses),
        },
        pageRequestOf(request),
      );
      return { alerts: page.items.map(alertToEvent), nextPageToken: nextPageTokenOf(page) };
    }),

    acknowledgeAlert: unary(
      context,
      'AcknowledgeAlert',
      async (request: api.AcknowledgeAlertRequest, principal) => {
        const alert = await gateway.alerts.acknowledge(principal, checkAlertId(request.alertId), {
          comment: request.comment,
        });
        return { alert: alertToEvent(alert) };
      },
    ),

    resolveAlert: unary(context, 'ResolveAlert', async (request: api.ResolveAlertRequest, principal) => {
      const alert = await gateway.alerts.resolve(principal, checkAlertId(request.alertId), {
        comment: request.comment,
      });
      return { alert: alertToEvent(alert) };
    }),
  };
}
