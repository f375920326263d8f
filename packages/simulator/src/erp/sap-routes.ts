// The SAP S/4HANA face of the ERP simulator: OData v2 JSON under /sap/opu/odata/sap/ for production orders
// (API_PRODUCTION_ORDER_2_SRV), confirmations (API_PROD_ORDER_CONFIRMATION_2_SRV) and maintenance notifications
// (API_MAINTNOTIFICATION), behind Basic or OAuth bearer auth and SAP Gateway's CSRF token check.
//
// Duplicates: a second ProdnOrdConf2 POST with an ExternalSystemConfirmation already booked answers 400
// (RU/DUPLICATE_EXTERNAL_ID), as SAP refuses it; clients resolve it by GET with $filter on the key.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErpContext } from './erp-server';
import { SapHttpError, SapWrites } from './sap-writes';
import {
  expireSapCsrfTokens,
  isValidCsrfToken,
  issueCsrfToken,
  SAP_SESSION_COOKIE,
  sessionIdFromCookie,
} from './sap-csrf';
import {
  CONFIRMATION_SERVICE,
  confirmationEntity,
  notificationEntity,
  NOTIFICATION_SERVICE,
  operationEntity,
  PRODUCTION_ORDER_SERVICE,
  productionOrderEntity,
  SAP_ODATA_ROOT,
} from './sap-entities';
import {
  matchesFilter,
  ODataQueryError,
  parseFilter,
  parseNonNegativeInteger,
  sapError,
  sortEntities,
  type ODataEntity,
} from './sap-odata';

export { expireSapCsrfTokens };

const TOKEN_LIFETIME_S = 3600;

const ENTITY_SETS: Record<string, readonly string[]> = {
  [PRODUCTION_ORDER_SERVICE]: ['A_ProductionOrder_2', 'A_ProductionOrderOperation_2'],
  [CONFIRMATION_SERVICE]: ['ProdnOrdConf2'],
  [NOTIFICATION_SERVICE]: ['MaintenanceNotification'],
};

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function registerSapRoutes(app: FastifyInstance, context: ErpContext): void {
  const { dataset, credentials } = context;
  const bearerTokens = new Map<string, number>();
  const writes = new SapWrites(dataset);

  void app.register(async (sap) => {
    sap.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );

    sap.post('/oauth/token', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      let clientId = form.client_id;
      let clientSecret = form.client_secret;
      const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
      if (basic?.[1] !== undefined) {
        const [id = '', ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
        clientId = decodeURIComponent(id);
        clientSecret = decodeURIComponent(secret.join(':'));
      }
      if (form.grant_type !== 'client_credentials') {
        return reply.code(400).send({ error: 'unsupported_grant_type' });
      }
      if (clientId !== credentials.oauthClientId || clientSecret !== credentials.oauthClientSecret) {
        return reply.code(401).send({ error: 'invalid_client' });
      }
      const token = randomBytes(24).toString('base64url');
      bearerTokens.set(token, Date.now() + TOKEN_LIFETIME_S * 1000);
      return reply.send({
        access_token: token,
        token_type: 'bearer',
        expires_in: TOKEN_LIFETIME_S,
        scope: '',
      });
    });

    sap.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith(SAP_ODATA_ROOT)) return;
      if (!isAuthorized(request.headers.authorization)) {
        await reply
          .code(401)
          .header('www-authenticate', 'Basic realm="SAP NetWeaver Application Server [KLN/100]"')
          .send(
            sapError('/IWFND/CM_CONSUMER/401', 'Logon failed: user or password incorrect, or token invalid'),
          );
      }
    });

    sap.get(`${SAP_ODATA_ROOT}/:service/*`, async (request, reply) => {
      const { service, '*': resource } = request.params as { service: string; '*': string };
      try {
        return await handleGet(request, reply, service, resource);
      } catch (error) {
        return sendError(reply, error);
      }
    });

    sap.post(`${SAP_ODATA_ROOT}/:service/*`, async (request, reply) => {
      const { service, '*': resource } = request.params as { service: string; '*': string };
      try {
        if (!isJson(request))
          throw new SapHttpError(415, '/IWBEP/CM_MGW_RT/019', 'Only JSON is accepted here');
        const sessionId = sessionIdFromCookie(request.headers.cookie);
        const token = request.headers['x-csrf-token'];
        if (!isValidCsrfToken(dataset, sessionId, typeof token === 'string' ? token : undefined)) {
          return await reply
            .code(403)
            .header('x-csrf-token', 'Required')
            .send(sapError('/IWFND/CM_COS/CSRF', 'CSRF token validation failed'));
        }
        const entity =
          service === CONFIRMATION_SERVICE && resource === 'ProdnOrdConf2'
            ? writes.createConfirmation(request.body, baseUrlOf(request))
            : service === NOTIFICATION_SERVICE && resource === 'MaintenanceNotification'
              ? writes.createNotification(request.body, baseUrlOf(request))
              : undefined;
        if (entity === undefined) throw notFound(service, resource);
        return await reply.code(201).header('location', entityUri(entity)).send({ d: entity });
      } catch (error) {
        return sendError(reply, error);
      }
    });
  });

  function isAuthorized(header: string | undefined): boolean {
    const basic = /^Basic (.+)$/i.exec(header ?? '');
    if (basic?.[1] !== undefined) {
      return (
        Buffer.from(basic[1], 'base64').toString('utf8') === `${credentials.username}:${credentials.password}`
      );
    }
    const bearer = /^Bearer (.+)$/i.exec(header ?? '');
    if (bearer?.[1] !== undefined) {
      const expiresMs = bearerTokens.get(bearer[1]);
      return expiresMs !== undefined && expiresMs > Date.now();
    }
    return false;
  }

  function baseUrlOf(request: FastifyRequest): string {
    return `${request.protocol}://${request.headers.host ?? 'localhost'}${SAP_ODATA_ROOT}`;
  }

  async function handleGet(
    request: FastifyRequest,
    reply: FastifyReply,
    service: string,
    resource: string,
  ): Promise<FastifyReply> {
    const entitySets = ENTITY_SETS[service];
    if (entitySets === undefined) {
      throw new SapHttpError(404, '/IWFND/MED/170', `No service found for namespace '', name '${service}'`);
    }
    const fetch = request.headers['x-csrf-token'];
    if (typeof fetch === 'string' && fetch.toLowerCase() === 'fetch') {
      const issued = issueCsrfToken(dataset);
      void reply
        .header('x-csrf-token', issued.token)
        .header('set-cookie', `${SAP_SESSION_COOKIE}=${issued.sessionId}; path=/; HttpOnly`);
    }
    if (!isJson(request))
      throw new SapHttpError(406, '/IWBEP/CM_MGW_RT/019', 'Use $format=json or Accept: application/json');
    const query = request.query as Query;
    const baseUrl = baseUrlOf(request);
    if (resource === '' || resource === '/') return reply.send({ d: { EntitySets: entitySets } });
    const keyMatch = /^A_ProductionOrder_2\('([^']*)'\)$/.exec(resource);
    if (service === PRODUCTION_ORDER_SERVICE && keyMatch?.[1] !== undefined) {
      const order = dataset.orders.get(keyMatch[1]);
      if (order === undefined) throw notFound(service, resource);
      const expand = (single(query, '$expand') ?? '').includes('to_ProductionOrderOperation');
      return reply.send({ d: productionOrderEntity(dataset, order, baseUrl, expand) });
    }
    const collection = collectionOf(service, resource, query, baseUrl);
    if (collection === undefined) throw notFound(service, resource);
    return reply.send(page(request, collection.entities, collection.keys, query));
  }

  function collectionOf(
    service: string,
    resource: string,
    query: Query,
    baseUrl: string,
  ): { entities: ODataEntity[]; keys: string[] } | undefined {
    const orders = [...dataset.orders.values()];
    if (service === PRODUCTION_ORDER_SERVICE && resource === 'A_ProductionOrder_2') {
      const expand = (single(query, '$expand') ?? '').includes('to_ProductionOrderOperation');
      return {
        entities: orders.map((o) => productionOrderEntity(dataset, o, baseUrl, expand)),
        keys: ['ManufacturingOrder'],
      };
    }
    if (service === PRODUCTION_ORDER_SERVICE && resource === 'A_ProductionOrderOperation_2') {
      return {
        entities: orders.map((o) => operationEntity(dataset, o, baseUrl)),
        keys: ['ManufacturingOrder', 'ManufacturingOrderOperation'],
      };
    }
    if (service === CONFIRMATION_SERVICE && resource === 'ProdnOrdConf2') {
      return {
        entities: dataset.confirmations.map((c) =>
          confirmationEntity(dataset, { ...c, ...writes.confirmationExtras.get(c.confirmationId) }, baseUrl),
        ),
        keys: ['ConfirmationGroup', 'ConfirmationCount'],
      };
    }
    if (service === NOTIFICATION_SERVICE && resource === 'MaintenanceNotification') {
      return {
        entities: dataset.notifications.map((n) =>
          notificationEntity(
            dataset,
            { ...n, notificationType: writes.notificationTypes.get(n.notificationId) },
            baseUrl,
          ),
        ),
        keys: ['MaintenanceNotification'],
      };
    }
    return undefined;
  }

  /** $filter, $orderby, $skip/$skiptoken and $top, then server-driven paging with __next past maxPageSize. */
  function page(request: FastifyRequest, all: ODataEntity[], keys: string[], query: Query): unknown {
    const clauses = parseFilter(single(query, '$filter'));
    const matching = all.filter((entity) => matchesFilter(entity, clauses));
    sortEntities(matching, single(query, '$orderby'), keys);
    const skip =
      (parseNonNegativeInteger(single(query, '$skip'), '$skip') ?? 0) +
      (parseNonNegativeInteger(single(query, '$skiptoken'), '$skiptoken') ?? 0);
    const top = parseNonNegativeInteger(single(query, '$top'), '$top');
    const wanted = matching.slice(skip, top === undefined ? undefined : skip + top);
    const results = wanted.slice(0, context.maxPageSize);
    const body: { results: ODataEntity[]; __count?: string; __next?: string } = { results };
    if (single(query, '$inlinecount') === 'allpages') body.__count = String(matching.length);
    if (wanted.length > results.length) {
      const next = new URL(request.url, `${request.protocol}://${request.headers.host ?? 'localhost'}`);
      next.searchParams.delete('$skip');
      next.searchParams.set('$skiptoken', String(skip + results.length));
      if (top !== undefined) next.searchParams.set('$top', String(top - results.length));
      body.__next = next.toString();
    }
    return { d: body };
  }
}

function entityUri(entity: ODataEntity): string {
  const metadata = entity.__metadata;
  return metadata !== null &&
    typeof metadata === 'object' &&
    !Array.isArray(metadata) &&
    typeof metadata.uri === 'string'
    ? metadata.uri
    : '';
}

function isJson(request: FastifyRequest): boolean {
  const format = single(request.query as Query, '$format');
  if (format !== undefined) return format === 'json';
  const accept = request.headers.accept ?? '';
  const contentType = request.headers['content-type'] ?? '';
  return (
    accept.includes('application/json') ||
    (request.method === 'POST' && contentType.includes('application/json'))
  );
}

function notFound(service: string, resource: string): SapHttpError {
  return new SapHttpError(
    404,
    '/IWBEP/CM_MGW_RT/020',
    `Resource not found for segment '${resource}' of ${service}`,
  );
}

async function sendError(reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (error instanceof SapHttpError)
    return reply.code(error.status).send(sapError(error.code, error.message));
  if (error instanceof ODataQueryError)
    return reply.code(400).send(sapError('/IWBEP/CM_MGW_RT/001', error.message));
  const message = error instanceof Error ? error.message : String(error);
  return reply.code(500).send(sapError('/IWBEP/CM_MGW_RT/500', message));
}
