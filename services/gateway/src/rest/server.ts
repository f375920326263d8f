// The REST server: fastify with zod schemas (validation, serialization and the OpenAPI 3 document at
// /openapi.json, browsable at /docs), bearer authentication, per-key rate limiting, problem+json errors,
// health, readiness and Prometheus metrics.
import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createReadinessEndpoint, type Logger, type ReadinessCheck, type Registry } from '@kiln/service-kit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { GatewayApi } from '../api';
import type { GatewaySection } from '../config';
import { dashboardPage, streamRoutes } from '../dashboard';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics';
import { authenticateRequests, isPublic } from './authenticate';
import { problemHandler, routerProblemHandler, sendProblem } from './problem';
import { memoizedQuerystringParser } from './query-memo';
import { alertRoutes } from './routes-alerts';
import { auditRoutes } from './routes-audit';
import { assetRoutes } from './routes-assets';
import { dataRoutes } from './routes-data';
import { erpRoutes } from './routes-erp';
import { eventRoutes } from './routes-events';
import { operationRoutes } from './routes-operations';

export type { ReadinessCheck } from '@kiln/service-kit';

const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export interface RestServerOptions {
  readonly api: GatewayApi;
  readonly section: GatewaySection;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Request metrics shared with the gRPC server; created in `registry` when absent. */
  readonly metrics?: GatewayMetrics;
  readonly version: string;
  /** What `/readyz` checks, each within 2 s (or its own `timeoutMs`). */
  readonly readiness?: readonly ReadinessCheck[];
  readonly now?: () => number;
}

function readPem(file: string, key: 'certFile' | 'keyFile'): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(
      `gateway.http.tls.${key}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The REST server, and what turns its `/readyz` to 503 once shutdown begins (load balancers stop sending). */
export type RestServer = FastifyInstance & { readonly markShuttingDown: () => void };

export async function buildRestServer(options: RestServerOptions): Promise<RestServer> {
  const { api, section } = options;
  const tls = section.http.tls;
  const metrics = options.metrics ?? createGatewayMetrics(options.registry);
  const readiness = createReadinessEndpoint({
    registry: options.registry,
    logger: options.logger.child({ component: 'rest' }),
    checks: options.readiness ?? [],
  });
  const countInvalid = (request: FastifyRequest, field: string): void =>
    metrics.invalidInput('rest', request.routeOptions.url ?? 'unmatched', field);
  const app = Fastify({
    // Warnings and errors only: fastify's own two lines per request would drown the service's log.
    loggerInstance: options.logger.child({ component: 'rest' }, { level: 'warn' }),
    bodyLimit: 16 * 1024 * 1024,
    // Query texts parsed once while they repeat (a dashboard's poll): see query-memo.ts.
    routerOptions: { maxParamLength: 600, querystringParser: memoizedQuerystringParser() },
    frameworkErrors: routerProblemHandler(countInvalid),
    ...(tls === undefined
      ? {}
      : { https: { cert: readPem(tls.certFile, 'certFile'), key: readPem(tls.keyFile, 'keyFile') } }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemHandler(countInvalid));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      404,
      'not-found',
      `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    ),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Kiln API',
        version: options.version,
        description:
          'Query and command API of Kiln: assets, telemetry, OEE, machine states, canonical events, ' +
          'maintenance alerts and asset health, ERP orders and the ERP bridge. ' +
          'Authenticate with "Authorization: Bearer <API key or JWT>". Errors are RFC 9457 problem documents.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'assets', description: 'The ISA-95 asset model and its signals' },
        { name: 'telemetry', description: 'Time series of signals' },
        { name: 'oee', description: 'Overall equipment effectiveness' },
        { name: 'states', description: 'Machine states and stops' },
        { name: 'events', description: 'Canonical events from MES and manual sources' },
        { name: 'maintenance', description: 'Maintenance alerts and asset health' },
        { name: 'erp', description: 'ERP orders and the state of the ERP bridge (read-only)' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // /docs shares the dashboard's origin (and what it keeps there): its pages get a policy as strict as the
  // dashboard's, which swagger-ui's own files and the API description satisfy (no inline script, same origin).
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CONTENT_SECURITY_POLICY });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onResponse', async (request, reply) => {
    metrics.request(
      'rest',
      request.routeOptions.url ?? 'unmatched',
      String(reply.statusCode),
      reply.elapsedTime / 1000,
    );
  });
  // Before authentication: the dashboard's static page and files are public (its hook answers them first).
  dashboardPage(app);
  authenticateRequests(app, api.authenticator, section.auth.publicDocs);
  if (section.rateLimit.max > 0) {
    await app.register(rateLimit, {
      max: section.rateLimit.max,
      timeWindow: section.rateLimit.windowMs,
      hook: 'preHandler',
      keyGenerator: (request) => request.principal?.subject ?? request.ip,
      allowList: (request) => isPublic(request.url, false),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        // context.after is the time left until the window resets, not the window.
        message:
          `rate limit of ${context.max} requests per ${Math.ceil(section.rateLimit.windowMs / 1000)} s ` +
          `reached for this key; retry in ${context.after}`,
      }),
    });
  }

  operationRoutes(app, options.registry, readiness, api.authenticator);
  assetRoutes(app, api);
  dataRoutes(app, api);
  eventRoutes(app, api, options.now);
  alertRoutes(app, api);
  auditRoutes(app, api);
  erpRoutes(app, api);
  streamRoutes(app, api, options.now);
  return Object.assign(app, { markShuttingDown: readiness.markShuttingDown });
}
