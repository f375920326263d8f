// The generic REST face of the ERP simulator: the kind of home-grown ERP / MES API a plant puts in front of its
// planning, with its own field names (the erp-sync REST adapter maps them with JSON pointers):
// - GET /api/erp/orders?changedSince=<ISO>&page=<1..>&pageSize=<n> and GET /api/erp/shifts?... -> `{items, next}`,
//   `next` the absolute URL of the following page or null; `changedSince` keeps records changed at or after it;
// - POST /api/erp/confirmations and /api/erp/maintenance-requests with an `Idempotency-Key` header: 201 with the
//   created record, or 200 with the first result when the key was seen before; 422 for business refusals.
// All routes need basic auth (the credentials' username/password).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErpBusinessError, type ErpOrderRecord, type ErpShiftRecord } from './dataset';
import type { ErpContext } from './erp-server';

const listQuery = z.object({
  changedSince: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

const confirmationBody = z.object({
  orderId: z.string().min(1),
  operationId: z.string().default(''),
  yieldQuantity: z.number().nonnegative(),
  scrapQuantity: z.number().nonnegative().default(0),
  final: z.boolean().default(false),
  machineTimeS: z.number().nonnegative().default(0),
  setupTimeS: z.number().nonnegative().default(0),
  downTimeS: z.number().nonnegative().default(0),
});

const maintenanceBody = z.object({
  workCenter: z.string().min(1),
  title: z.string().min(1),
  description: z.string().default(''),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
});

const PRIORITY_OF_SEVERITY = { critical: 1, warning: 2, info: 4 } as const;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function orderItem(o: ErpOrderRecord): Record<string, unknown> {
  return {
    id: o.orderId,
    operation: o.operationId,
    workCenter: o.workCenter,
    material: { number: o.material, description: o.materialDescription },
    quantity: { value: o.targetQuantity, unit: o.unit },
    cycleTimeS: o.referenceQuantity > 0 ? o.machineStandardValueS / o.referenceQuantity : null,
    status: o.status,
    plannedStart: iso(o.scheduledStartMs),
    plannedEnd: iso(o.scheduledEndMs),
    actualStart: iso(o.actualStartMs),
    actualEnd: iso(o.actualEndMs),
    changedAt: iso(o.changedMs),
  };
}

function shiftItem(s: ErpShiftRecord): Record<string, unknown> {
  return {
    workCenter: s.workCenter,
    id: s.shiftId,
    name: s.name,
    start: iso(s.startMs),
    end: iso(s.endMs),
    breaks: s.breaks.map((b) => ({ start: iso(b.startMs), end: iso(b.endMs), reason: b.reason })),
    cancelled: s.cancelled,
    changedAt: iso(s.changedMs),
  };
}

export function registerRestRoutes(app: FastifyInstance, context: ErpContext): void {
  const { dataset, credentials } = context;
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.headers.authorization === expected) return true;
    void reply
      .code(401)
      .header('www-authenticate', 'Basic realm="erp"')
      .send({ error: 'unauthorized', message: 'Basic authentication required' });
    return false;
  };

  const list = <T extends { changedMs: number }>(
    path: string,
    records: () => T[],
    toItem: (record: T) => Record<string, unknown>,
  ): void => {
    app.get(path, async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const query = listQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send({ error: 'bad_request', message: query.error.message });
      const { changedSince, page, pageSize } = query.data;
      const sinceMs = changedSince === undefined ? -Infinity : Date.parse(changedSince);
      const matching = records()
        .filter((r) => r.changedMs >= sinceMs)
        .sort((a, b) => a.changedMs - b.changedMs);
      const items = matching.slice((page - 1) * pageSize, page * pageSize).map(toItem);
      let next: string | null = null;
      if (page * pageSize < matching.length) {
        const url = new URL(path, `http://${request.headers.host ?? '127.0.0.1'}`);
        if (changedSince !== undefined) url.searchParams.set('changedSince', changedSince);
        url.searchParams.set('page', String(page + 1));
        url.searchParams.set('pageSize', String(pageSize));
        next = url.toString();
      }
      return reply.send({ items, next });
    });
  };
  list('/api/erp/orders', () => [...dataset.orders.values()], orderItem);
  list('/api/erp/shifts', () => [...dataset.shifts.values()], shiftItem);

  const post = <T>(
    path: string,
    schema: z.ZodType<T>,
    exists: (key: string) => boolean,
    create: (key: string, body: T) => Record<string, unknown>,
  ): void => {
    app.post(path, async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || key === '') {
        return reply.code(400).send({ error: 'bad_request', message: 'Idempotency-Key header required' });
      }
      const body = schema.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: 'bad_request', message: body.error.message });
      const seen = exists(key);
      try {
        return reply.code(seen ? 200 : 201).send(create(key, body.data));
      } catch (error) {
        if (error instanceof ErpBusinessError) {
          return reply.code(422).send({ error: 'unprocessable', code: error.code, message: error.message });
        }
        throw error;
      }
    });
  };
  post(
    '/api/erp/confirmations',
    confirmationBody,
    (key) => dataset.confirmations.some((c) => c.externalKey === key),
    (key, body) => ({ ...dataset.confirm({ ...body, externalKey: key, via: 'rest' }) }),
  );
  post(
    '/api/erp/maintenance-requests',
    maintenanceBody,
    (key) => dataset.notifications.some((n) => n.externalKey === key),
    (key, body) => ({
      ...dataset.notify({
        externalKey: key,
        workCenter: body.workCenter,
        text: body.title,
        longText: body.description,
        priority: PRIORITY_OF_SEVERITY[body.severity],
        via: 'rest',
      }),
    }),
  );
}
