// The ERP-sync HTTP endpoint: ERPs that push (webhooks) post orders and shifts here in the generic REST mapping,
// and `POST /erp/sync` runs an inbound sync now instead of at the next interval. Bearer token when configured.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ErpOrder, ErpShift, ReadResult } from './adapters/types';
import type { InboundSync, SyncKind, SyncReport } from './inbound/sync';

export interface WebhookOptions {
  readonly host: string;
  readonly port: number;
  /** Required as `Authorization: Bearer <token>` when set. */
  readonly token: string | undefined;
  readonly inbound: InboundSync;
  /** Maps a pushed JSON body onto records (the generic REST adapter's mapping); absent: pushes are refused. */
  readonly mapOrders?: (body: unknown) => ReadResult<ErpOrder>;
  readonly mapShifts?: (body: unknown) => ReadResult<ErpShift>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function summary(report: SyncReport) {
  return { kind: report.kind, read: report.read, published: report.published, problems: report.problems };
}

export async function startWebhook(options: WebhookOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.addHook('onRequest', async (request, reply) => {
    if (options.token !== undefined && !tokenMatches(request.headers.authorization, options.token)) {
      await reply
        .code(401)
        .send({ title: 'Unauthorized', detail: 'a valid Authorization: Bearer token is required' });
    }
  });
  app.post('/erp/sync', async () => ({ reports: (await options.inbound.syncNow()).map(summary) }));
  const push = (kind: SyncKind, map: ((body: unknown) => ReadResult<ErpOrder | ErpShift>) | undefined) =>
    app.post(`/erp/${kind}s`, async (request, reply) => {
      if (map === undefined) {
        return reply
          .code(404)
          .send({ title: 'Not Found', detail: `no mapping configured for pushed ${kind}s` });
      }
      const result = map(request.body);
      return summary(
        await options.inbound.accept(kind, result as ReadResult<ErpOrder> & ReadResult<ErpShift>),
      );
    });
  push('order', options.mapOrders);
  push('shift', options.mapShifts);
  await app.listen({ host: options.host, port: options.port });
  return app;
}
