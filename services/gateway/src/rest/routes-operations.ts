// Health, readiness and Prometheus metrics on the REST port. In `kiln start` this server is the ops server of the
// whole process, so `/readyz` sends the one readiness answer of @kiln/service-kit, as every service's ops server
// does (docs/operations.md, "Health and readiness"). `/healthz` and `/readyz` need no credential (authenticate.ts).
import { readinessBodySchema, type ReadinessEndpoint, type Registry } from '@kiln/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

export function operationRoutes(
  app: FastifyInstance,
  registry: Registry,
  readiness: ReadinessEndpoint,
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
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
        response: { 200: readinessBodySchema, 503: readinessBodySchema },
      },
    },
    async (_request, reply) => {
      const { statusCode, body } = await readiness.answer();
      return reply.code(statusCode).send(body);
    },
  );
  typed.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [{ bearer: [] }] } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
