// GET /api/v1/audit: who changed what and when (admin). An admin of a site reads the changes concerning it, an
// admin of every site all of them, newest first, paged.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { isoOf, parseIsoTime } from '../domain/range';
import { principalOf } from './authenticate';
import { errorResponses, isoTime, pageOf, pageQuery } from './schemas';

export const AUDIT_ACTIONS = [
  'api-key.create',
  'api-key.revoke',
  'asset.upsert',
  'stop.reason',
  'alert.acknowledge',
  'alert.resolve',
] as const;

const auditEntrySchema = z
  .object({
    id: z.string(),
    time: z.string().describe('When the change was recorded (UTC)'),
    actor: z.string().describe("The caller's key id or token subject; `cli:<user>` for the command line"),
    actorVia: z.string().describe('`api-key`, `jwt` or `cli`'),
    action: z.string().describe(`One of ${AUDIT_ACTIONS.join(', ')}`),
    target: z.string().describe('What was changed: a key id, an asset id, a stop id, an alert id'),
    site: z.string().describe('The site the change concerns; `*` for every site'),
    detail: z.record(z.string(), z.unknown()).describe('What changed, as sent (never a credential)'),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(app: FastifyInstance, api: GatewayApi): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['operations'],
        summary: 'Who changed what and when, newest first (admin; paged)',
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          action: z.enum(AUDIT_ACTIONS).optional(),
          from: isoTime.optional(),
          to: isoTime.optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(auditEntrySchema), ...errorResponses },
      },
    },
    async (request) => {
      const { action, from, to, pageSize, cursor } = request.query;
      const page = await api.audit.list(
        principalOf(request),
        {
          ...(action === undefined ? {} : { action }),
          ...(from === undefined ? {} : { fromUs: parseIsoTime('from', from) }),
          ...(to === undefined ? {} : { toUs: parseIsoTime('to', to) }),
        },
        {
          ...(pageSize === undefined ? {} : { pageSize }),
          ...(cursor === undefined ? {} : { cursor }),
        },
      );
      return {
        items: page.items.map((entry) => ({
          id: entry.id,
          time: isoOf(entry.timeUs),
          actor: entry.actor,
          actorVia: entry.actorVia,
          action: entry.action,
          target: entry.target,
          site: entry.site,
          detail: { ...entry.detail },
        })),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );
}
