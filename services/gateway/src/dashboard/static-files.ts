// The dashboard's page and its script and style, served from services/gateway/static (next to dist/ in the
// package) without a credential: they hold no data; the page asks for an API key and calls the API with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The package's static directory, from src/dashboard (tests) and dist/dashboard (built) alike. */
export const STATIC_DIR = join(__dirname, '..', '..', 'static');

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

// The page loads only its own script and style and talks only to this origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Reads every file once: a missing one fails the start naming the path, not the first visitor's request. */
function readStatic(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(TYPES)) {
    const path = join(dir, name);
    try {
      files.set(name, readFileSync(path));
    } catch (error) {
      throw new Error(
        `the dashboard's ${path} cannot be read (the gateway package ships static/ next to dist/): ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  return files;
}

/** The dashboard's URLs and the static file each answers with. */
const ROUTES: ReadonlyMap<string, string> = new Map([
  ['/', 'index.html'],
  ['/dashboard/dashboard.js', 'dashboard.js'],
  ['/dashboard/dashboard.css', 'dashboard.css'],
]);

/**
 * Serves the page and its files without a credential. Call it on the root instance before the authentication
 * hook: its own onRequest hook answers these routes first, and a hook that answers ends the request's hooks, so
 * authentication and rate limiting do not run for them (and do for everything else).
 */
export function dashboardPage(app: FastifyInstance, options: { dir?: string } = {}): void {
  const files = readStatic(options.dir ?? STATIC_DIR);
  const send = (reply: FastifyReply, name: string): FastifyReply =>
    reply
      .type(TYPES[name] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'no-referrer')
      .send(files.get(name));
  app.addHook('onRequest', async (request, reply) => {
    const name = ROUTES.get(request.routeOptions.url ?? '');
    if (name === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    return send(reply, name);
  });
  for (const [url, name] of ROUTES) {
    // Declared so the router knows them (metrics label them, other methods get 404); the hook answers first.
    app.get(url, { schema: { hide: true } }, async (_request, reply) => send(reply, name));
  }
}
