// Maintenance: alerts (list, one, acknowledge and resolve by an operator) and the health of an asset (the
// latest score, or the series over a range). Acknowledging and resolving answer 200 with the stored alert: the
// change is stored before it is published on kiln.maintenance.alert.v1.
import type { AlertStatusName } from '@kiln/timeseries';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { invalidArgument } from '../errors';
import { isoOf } from '../domain/range';
import { principalOf } from './authenticate';
import { alertJson, healthJson } from './mapping';
import { rangeOf } from './routes-data';
import {
  ALERT_STATUS_NAMES,
  alertChangeSchema,
  alertIdParams,
  alertSchema,
  alertsQuery,
  assetHealthSchema,
  assetIdSchema,
  conflictResponses,
  errorResponses,
  healthHistorySchema,
  isoTime,
  pageOf,
  statusNamesOf,
} from './schemas';

const security = [{ bearer: [] }];

export function alertRoutes(app: FastifyInstance, api: GatewayApi): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Maintenance alerts, newest opened first (paged)',
        security,
        querystring: alertsQuery,
        response: { 200: pageOf(alertSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { assetId, siteId, status, pageSize, cursor, pageToken } = request.query;
      if (cursor !== undefined && pageToken !== undefined && cursor !== pageToken) {
        throw invalidArgument('pageToken', 'give cursor or pageToken, not two different ones');
      }
      const statuses = statusNamesOf<AlertStatusName>(status, ALERT_STATUS_NAMES);
      const token = cursor ?? pageToken;
      const page = await api.alerts.list(
        principalOf(request),
        {
          ...(assetId === undefined ? {} : { assetId }),
          ...(siteId === undefined ? {} : { siteId }),
          ...(statuses === undefined ? {} : { statuses }),
        },
        {
          ...(pageSize === undefined ? {} : { pageSize }),
          ...(token === undefined ? {} : { cursor: token }),
        },
      );
      return { ...page, items: page.items.map(alertJson) };
    },
  );
  typed.get(
    '/api/v1/alerts/:alertId',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'One maintenance alert in its current state',
        security,
        params: alertIdParams,
        response: { 200: alertSchema, ...errorResponses },
      },
    },
    async (request) => alertJson(await api.alerts.get(principalOf(request), request.params.alertId)),
  );
  const change = (action: 'acknowledge' | 'resolve', summary: string): void => {
    typed.post(
      `/api/v1/alerts/:alertId/${action}`,
      {
        schema: {
          tags: ['maintenance'],
          summary,
          security,
          params: alertIdParams,
          body: alertChangeSchema,
          response: { 200: alertSchema, ...conflictResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { alertId } = request.params;
        const body = { comment: request.body?.comment ?? '' };
        const alert =
          action === 'acknowledge'
            ? await api.alerts.acknowledge(principal, alertId, body)
            : await api.alerts.resolve(principal, alertId, body);
        return alertJson(alert);
      },
    );
  };
  change(
    'acknowledge',
    'Acknowledge an alert (operator); again on an acknowledged one records the new comment',
  );
  change('resolve', 'Resolve an open or acknowledged alert (operator)');

  typed.get(
    '/api/v1/assets/:assetId/health',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'The latest health of an asset, or with from and to its health over the range',
        security,
        params: z.object({ assetId: assetIdSchema.describe('The asset id, URL-encoded (/ as %2F)') }),
        querystring: z.strictObject({ from: isoTime.optional(), to: isoTime.optional() }),
        response: { 200: z.union([assetHealthSchema, healthHistorySchema]), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { assetId } = request.params;
      const { from, to } = request.query;
      if (from === undefined && to === undefined) {
        return healthJson(await api.health.latest(principal, assetId));
      }
      if (from === undefined) throw invalidArgument('from', 'is required with to');
      if (to === undefined) throw invalidArgument('to', 'is required with from');
      const range = rangeOf(api, { from, to });
      const history = await api.health.history(principal, assetId, range);
      return {
        assetId,
        from: isoOf(range.fromUs),
        to: isoOf(range.toUs),
        points: history.points.map(healthJson),
        truncated: history.truncated,
      };
    },
  );
}
