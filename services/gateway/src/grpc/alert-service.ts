// kiln.v1.AlertService. There is no alert store yet: the maintenance service, which raises alerts and keeps their
// state, has not landed. Until it does, ListAlerts answers an empty page (after the same checks it will make)
// and AcknowledgeAlert/ResolveAlert answer NOT_FOUND. Back these with the maintenance service's alert store
// once it lands.
import type { api } from '@kiln/contracts';
import { authorizeAsset, requireRole } from '../auth/principal';
import { checkAssetId } from '../domain/assets';
import { invalidArgument, notFound } from '../errors';
import { unary, type GrpcHandlerContext } from './call';
import { pageRequestOf, principalForSite } from './convert';

function checkAlertId(alertId: string): string {
  if (alertId === '') throw invalidArgument('alert_id', 'is required');
  return alertId;
}

export function alertService(context: GrpcHandlerContext): api.AlertServiceServer {
  return {
    listAlerts: unary(context, 'ListAlerts', async (request: api.ListAlertsRequest, principal) => {
      const scoped = principalForSite(principal, 'site_id', request.siteId);
      if (request.assetId !== '') authorizeAsset(scoped, checkAssetId('asset_id', request.assetId), 'reader');
      pageRequestOf(request);
      // No alert store yet (see the top of this file): every filter matches nothing.
      return { alerts: [], nextPageToken: '' };
    }),

    acknowledgeAlert: unary(
      context,
      'AcknowledgeAlert',
      async (request: api.AcknowledgeAlertRequest, principal) => {
        requireRole(principal, 'operator');
        // No alert store yet (see the top of this file): no alert exists.
        throw notFound(`no alert ${checkAlertId(request.alertId)}`);
      },
    ),

    resolveAlert: unary(context, 'ResolveAlert', async (request: api.ResolveAlertRequest, principal) => {
      requireRole(principal, 'operator');
      // No alert store yet (see the top of this file): no alert exists.
      throw notFound(`no alert ${checkAlertId(request.alertId)}`);
    }),
  };
}
