// The REST authentication hook: every route except health (and, when configured, the API description) needs a
// bearer credential; the principal is kept on the request for the handlers and the rate limiter.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const HEALTH = new Set(['/healthz', '/readyz']);

export function isPublic(url: string, publicDocs: boolean): boolean {
  const path = url.split('?')[0] ?? url;
  if (HEALTH.has(path)) return true;
  return publicDocs && (path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/'));
}

export function authenticateRequests(
  app: FastifyInstance,
  authenticator: Authenticator,
  publicDocs: boolean,
): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    if (isPublic(request.url, publicDocs)) return;
    request.principal = await authenticator.authenticate(request.headers.authorization, request.ip);
  });
}

/** The principal the hook set; a route without one is a wiring mistake. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new Error(`no principal on ${request.method} ${request.url}`);
  return request.principal;
}
