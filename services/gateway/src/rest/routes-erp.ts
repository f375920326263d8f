// ERP orders and the ERP bridge, read-only: the orders erp-sync read from the ERP (reader), and the outbox of
// confirmations and maintenance notifications bound for the ERP and the problems of the sync (operator), so that
// a refused confirmation is visible with its error without SQL.
import {
  type ErpOutboxStatus,
  type OutboxEntry,
  type StoredErpOrder,
  type StoredErpProblem,
} from '@kiln/timeseries';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { isoOf } from '../domain/range';
import { principalOf } from './authenticate';
import {
  ERP_ORDER_STATUS_NAMES,
  ERP_OUTBOX_STATUS_NAMES,
  erpOrderOperationSchema,
  erpOrderSchema,
  erpOutboxEntrySchema,
  erpProblemSchema,
  errorResponses,
  orderIdParams,
  ordersQuery,
  outboxQuery,
  pageOf,
  problemsQuery,
  statusNamesOf,
} from './schemas';

const security = [{ bearer: [] }];

const optionalIso = (us: number): string | null => (us === 0 ? null : isoOf(us));

const orderOperationJson = (order: StoredErpOrder) => ({
  orderId: order.orderId,
  operationId: order.operationId,
  erpSystem: order.erpSystem,
  workCenter: order.workCenter,
  assetId: order.assetId ?? null,
  material: order.material,
  materialDescription: order.materialDescription,
  targetQuantity: order.targetQuantity,
  quantityUnit: order.quantityUnit,
  idealCycleTimeS: order.idealCycleTimeS,
  status: order.status,
  scheduledStart: optionalIso(order.scheduledStartUs),
  scheduledEnd: optionalIso(order.scheduledEndUs),
  actualStart: optionalIso(order.actualStartUs),
  actualEnd: optionalIso(order.actualEndUs),
  changedTime: isoOf(order.changedTimeUs),
});

const outboxJson = (entry: OutboxEntry) => ({
  id: entry.id,
  kind: entry.kind,
  kilnRef: entry.kilnRef,
  revision: entry.revision,
  assetId: entry.assetId ?? null,
  status: entry.status,
  attempts: entry.attempts,
  nextAttemptTime: isoOf(entry.nextAttemptUs),
  lastError: entry.lastError ?? null,
  erpRef: entry.erpRef ?? null,
  createdTime: isoOf(entry.createdUs),
  sentTime: entry.sentUs === undefined ? null : isoOf(entry.sentUs),
  payload: entry.payload,
});

const problemJson = (problem: StoredErpProblem) => ({
  erpSystem: problem.erpSystem,
  kind: problem.kind,
  recordId: problem.recordId,
  problem: problem.problem,
  seenTime: isoOf(problem.seenUs),
});

export function erpRoutes(app: FastifyInstance, api: GatewayApi): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/orders',
    {
      schema: {
        tags: ['erp'],
        summary: 'ERP order operations, newest changed first (paged)',
        security,
        querystring: ordersQuery,
        response: { 200: pageOf(erpOrderOperationSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { assetId, siteId, status, pageSize, cursor } = request.query;
      const statuses = statusNamesOf(status, ERP_ORDER_STATUS_NAMES);
      const page = await api.erp.listOrders(
        principalOf(request),
        {
          ...(assetId === undefined ? {} : { assetId }),
          ...(siteId === undefined ? {} : { siteId }),
          ...(statuses === undefined ? {} : { statuses }),
        },
        {
          ...(pageSize === undefined ? {} : { pageSize }),
          ...(cursor === undefined ? {} : { cursor }),
        },
      );
      return { ...page, items: page.items.map(orderOperationJson) };
    },
  );
  typed.get(
    '/api/v1/orders/:orderId',
    {
      schema: {
        tags: ['erp'],
        summary: 'One ERP order with its operations',
        security,
        params: orderIdParams,
        response: { 200: erpOrderSchema, ...errorResponses },
      },
    },
    async (request) => {
      const order = await api.erp.order(principalOf(request), request.params.orderId);
      return { orderId: order.orderId, operations: order.operations.map(orderOperationJson) };
    },
  );
  typed.get(
    '/api/v1/erp/outbox',
    {
      schema: {
        tags: ['erp'],
        summary:
          'Confirmations and notifications bound for the ERP, newest first, with their errors (operator)',
        security,
        querystring: outboxQuery,
        response: { 200: pageOf(erpOutboxEntrySchema), ...errorResponses },
      },
    },
    async (request) => {
      const { status, kind, pageSize, cursor } = request.query;
      const statuses = statusNamesOf<ErpOutboxStatus>(status, ERP_OUTBOX_STATUS_NAMES);
      const page = await api.erp.listOutbox(
        principalOf(request),
        {
          ...(statuses === undefined ? {} : { statuses }),
          ...(kind === undefined ? {} : { kind }),
        },
        {
          ...(pageSize === undefined ? {} : { pageSize }),
          ...(cursor === undefined ? {} : { cursor }),
        },
      );
      return { ...page, items: page.items.map(outboxJson) };
    },
  );
  typed.get(
    '/api/v1/erp/problems',
    {
      schema: {
        tags: ['erp'],
        summary:
          'ERP records the sync could not use and postings the ERP refused, last seen first (operator)',
        security,
        querystring: problemsQuery,
        response: { 200: z.object({ items: z.array(erpProblemSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { kind, pageSize } = request.query;
      const problems = await api.erp.listProblems(
        principalOf(request),
        kind,
        pageSize === undefined ? {} : { pageSize },
      );
      return { items: problems.map(problemJson) };
    },
  );
}
