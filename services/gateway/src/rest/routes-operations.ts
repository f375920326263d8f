// Health, readiness and Prometheus metrics on the REST port. In `kiln start` this server is the ops server of the
// whole process, so `/readyz` sends the one readiness answer of @kiln/service-kit, as every service's ops server
// does (docs/operations.md, "Health and readiness"). `/healthz` and `/readyz` need no credential (authenticate.ts);
// `/readyz` gives the checks' reasons only to a caller with one.
import {
  readinessBodySchema,
  withoutCheckDetails,
  type ReadinessAnswer,
  type ReadinessEndpoint,
  type Registry,
} from '@kiln/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator';

export function operationRoutes(
  app: FastifyInstance,
  registry: Registry,
  readiness: ReadinessEndpoint,
  authenticator: Authenticator,
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  // One run of the checks at a time, whoever asks: a flood of probes on the public port waits on the run in
  // flight instead of opening a database query (and a Redis and Kafka round trip) each.
  let running: Promise<ReadinessAnswer> | undefined;
  const answer = (): Promise<ReadinessAnswer> =>
    (running ??= readiness.answer().finally(() => {
      running = undefined;
    }));
  typed.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The process is alive',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  typed.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Dependencies reachable: 200 when every check answers `ok`, 503 naming the ones that do not',
        description:
          'Without credentials each check is `ok` or `failing`; with an API key or token (any role) each failing ' +
          'check gives its reason, which names internal hosts and errors.',
        response: { 200: readinessBodySchema, 503: readinessBodySchema },
      },
    },
    async (request, reply) => {
      const { authorization } = request.headers;
      // A credential presented is checked like any other (a wrong one is 401, and counts as a failure).
      if (authorization !== undefined) await authenticator.authenticate(authorization, request.ip);
      const { statusCode, body } = await answer();
      return reply.code(statusCode).send(authorization === undefined ? withoutCheckDetails(body) : body);
    },
  );
  typed.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [{ bearer: [] }] } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
