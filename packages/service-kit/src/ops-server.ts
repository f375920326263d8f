// The operations endpoints of a service: liveness, readiness and Prometheus metrics on their own port.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Stoppable } from './lifecycle';
import { ReadinessTransitions, runReadinessChecks, type ReadinessCheck } from './readiness';

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

const readinessBody = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not-ready'] },
    reason: { type: 'string' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['status', 'checks'],
} as const;

const readinessSchema = { response: { 200: readinessBody, 503: readinessBody } } as const;

export async function startOpsServer(options: StartOpsServerOptions): Promise<OpsServer> {
  const logger = options.logger.child({ component: 'ops-server' });
  const checks: ReadinessCheck[] = [];
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  let shuttingDown = false;

  // Fastify logs every request at info: a line per probe and scrape. Only its warnings and errors matter.
  const app = Fastify({ loggerInstance: logger.child({}, { level: quieterOf(logger.level, 'warn') }) });

  // Alive until closed, on purpose even while draining: a failing liveness probe would get the process
  // killed (a second SIGTERM) in the middle of its graceful shutdown.
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));

  // What the last /readyz probe found, per check: 1 answered, 0 failed (an outage of PostgreSQL, Redis, Kafka).
  const checkUp = new Gauge({
    name: 'kiln_readiness_check_up',
    help: 'Whether a readiness check passed at the last /readyz probe (1) or failed (0).',
    labelNames: ['check'] as const,
    registers: [options.registry],
  });
  const transitions = new ReadinessTransitions();

  app.get('/readyz', { schema: readinessSchema }, async (_request, reply) => {
    if (shuttingDown)
      return reply.code(503).send({ status: 'not-ready', reason: 'shutting down', checks: {} });
    const report = await runReadinessChecks(checks, checkTimeoutMs);
    for (const [check, outcome] of Object.entries(report.checks))
      checkUp.set({ check }, outcome === 'ok' ? 1 : 0);
    for (const transition of transitions.next(report, Date.now())) {
      if (transition.kind === 'failing')
        logger.warn({ check: transition.check, reason: transition.reason }, 'readiness check failing');
      else
        logger.info(
          { check: transition.check, failedForMs: transition.failedForMs },
          'readiness check ok again',
        );
    }
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'not-ready',
      checks: report.checks,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(text);
  });

  const addReadinessCheck = (check: ReadinessCheck): void => {
    if (checks.some((existing) => existing.name === check.name)) {
      throw new Error(`readiness check "${check.name}" is already registered; names must be unique`);
    }
    checks.push(check);
  };
  for (const check of options.readiness ?? []) addReadinessCheck(check);

  await app.listen({ host: options.host, port: options.port });
  const address = boundAddress(app.server.address(), options.host);
  logger.info({ address }, 'ops server listening');

  const markShuttingDown = (): void => {
    shuttingDown = true;
  };
  const close = async (): Promise<void> => {
    shuttingDown = true;
    await app.close();
  };
  return { name: 'ops-server', address, addReadinessCheck, markShuttingDown, close, stop: close };
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
