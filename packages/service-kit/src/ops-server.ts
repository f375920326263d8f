// The operations endpoints of a service: liveness, readiness and Prometheus metrics on their own port. Readiness
// is the one answer of readiness-endpoint.ts, which the gateway's REST server sends too.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Stoppable } from './lifecycle';
import type { ReadinessCheck } from './readiness';
import { createReadinessEndpoint } from './readiness-endpoint';

export interface StartOpsServerOptions {
  readonly host: string;
  /** 0 binds any free port; `OpsServer.address` tells which. */
  readonly port: number;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly readiness?: readonly ReadinessCheck[];
  /** Per-check timeout of `/readyz`; default 2000. */
  readonly checkTimeoutMs?: number;
}

export interface OpsServer extends Stoppable {
  /** The bound address, `http://127.0.0.1:41234`. */
  readonly address: string;
  addReadinessCheck(check: ReadinessCheck): void;
  /** `/readyz` answers 503 from now on, so load balancers stop routing here while the service drains. */
  markShuttingDown(): void;
  close(): Promise<void>;
}

const healthSchema = {
  response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } },
} as const;

export async function startOpsServer(options: StartOpsServerOptions): Promise<OpsServer> {
  const logger = options.logger.child({ component: 'ops-server' });
  const readiness = createReadinessEndpoint({
    registry: options.registry,
    logger,
    ...(options.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: options.checkTimeoutMs }),
  });

  // Through addCheck, so that a name given twice is refused at start.
  for (const check of options.readiness ?? []) readiness.addCheck(check);

  // Fastify logs every request at info: a line per probe and scrape. Only its warnings and errors matter.
  const app = Fastify({ loggerInstance: logger.child({}, { level: quieterOf(logger.level, 'warn') }) });

  // Alive until closed, on purpose even while draining: a failing liveness probe would get the process
  // killed (a second SIGTERM) in the middle of its graceful shutdown.
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { statusCode, body } = await readiness.answer();
    return reply.code(statusCode).send(body);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(text);
  });

  await app.listen({ host: options.host, port: options.port });
  const address = boundAddress(app.server.address(), options.host);
  logger.info({ address }, 'ops server listening');

  const close = async (): Promise<void> => {
    readiness.markShuttingDown();
    await app.close();
  };
  return {
    name: 'ops-server',
    address,
    addReadinessCheck: readiness.addCheck,
    markShuttingDown: readiness.markShuttingDown,
    close,
    stop: close,
  };
}

function boundAddress(info: AddressInfo | string | null, host: string): string {
  if (info === null || typeof info === 'string') return `http://${host}`;
  const address = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return `http://${address}:${info.port}`;
}

/** The less verbose of two pino levels, so a child never logs more than its parent allows. */
function quieterOf(level: string, floor: 'warn'): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  return order.indexOf(level) > order.indexOf(floor) ? level : floor;
}
