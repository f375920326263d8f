// /api/v1/assets: list (paged, filtered), the tree, one asset, its signals, and create/update (admin).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { ASSET_LEVELS } from '../domain/assets';
import { principalOf } from './authenticate';
import {
  assetChangeSchema,
  assetIdSchema,
  assetNodeSchema,
  assetSchema,
  errorResponses,
  pageOf,
  pageQuery,
  signalSchema,
} from './schemas';

const idParams = z.object({ assetId: assetIdSchema.describe('The asset id, URL-encoded (/ as %2F)') });
const security = [{ bearer: [] }];

export function assetRoutes(app: FastifyInstance, api: GatewayApi): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/assets',
    {
      schema: {
        tags: ['assets'],
        summary: 'List assets (paged by id)',
        security,
        querystring: z.strictObject({
          parentId: assetIdSchema.optional(),
          level: z.enum(ASSET_LEVELS).optional(),
          ...pageQuery,
        }),
        response: { 200: pageOf(assetSchema), ...errorResponses },
      },
    },
    async (request) => api.assets.list(principalOf(request), request.query),
  );
  typed.get(
    '/api/v1/assets/tree',
    {
      schema: {
        tags: ['assets'],
        summary: 'The asset tree, whole or below one asset',
        security,
        querystring: z.strictObject({ rootId: assetIdSchema.optional() }),
        response: { 200: z.object({ roots: z.array(assetNodeSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ roots: await api.assets.tree(principalOf(request), request.query.rootId) }),
  );
  typed.get(
    '/api/v1/assets/:assetId',
    {
      schema: {
        tags: ['assets'],
        summary: 'One asset with its OEE settings',
        security,
        params: idParams,
        response: { 200: assetSchema, ...errorResponses },
      },
    },
    async (request) => api.assets.get(principalOf(request), request.params.assetId),
  );
  typed.get(
    '/api/v1/assets/:assetId/signals',
    {
      schema: {
        tags: ['assets'],
        summary: "An asset's signals (paged by name)",
        security,
        params: idParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: pageOf(signalSchema), ...errorResponses },
      },
    },
    async (request) => api.assets.signals(principalOf(request), request.params.assetId, request.query),
  );
  typed.put(
    '/api/v1/assets/:assetId',
    {
      schema: {
        tags: ['assets'],
        summary: 'Create or update an asset and its OEE settings (admin)',
        security,
        params: idParams,
        body: assetChangeSchema,
        response: { 200: assetSchema, ...errorResponses },
      },
    },
    async (request) => api.assets.upsert(principalOf(request), request.params.assetId, request.body),
  );
}
