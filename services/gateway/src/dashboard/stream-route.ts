// GET /api/v1/stream: server-sent events (text/event-stream) for the dashboard and any other live view. Every
// `intervalS` seconds one `snapshot` event carries each asked machine's current state and the OEE service's live
// results, mapped like GET /api/v1/states and GET /api/v1/oee/live. The credential comes in the Authorization
// header like every other route (read the stream with fetch(), not EventSource, which cannot send headers): no
// key ever goes into a URL or an access log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import type { Principal } from '../auth/principal';
import { isoOf } from '../domain/range';
import { principalOf } from '../rest/authenticate';
import { intervalJson, oeeJson } from '../rest/mapping';
import { ApiError } from '../errors';
import { assetIdSchema, errorResponses, oeeResultSchema, stateIntervalSchema } from '../rest/schemas';
import { machineStatus, type MachineStatus } from './machine-status';

/** Machines one stream may follow at most, like the signals of one telemetry query. */
export const MAX_STREAM_ASSETS = 100;

export const streamQuery = z.strictObject({
  assetId: z
    .union([assetIdSchema, z.array(assetIdSchema).min(1).max(MAX_STREAM_ASSETS)])
    .describe(`Assets of level asset to follow (repeat the parameter; at most ${MAX_STREAM_ASSETS})`),
  intervalS: z.coerce.number().int().min(1).max(60).default(5).describe('Seconds between snapshots'),
});

export const snapshotSchema = z
  .object({
    time: z.string().describe("The gateway's time of the snapshot"),
    machines: z.array(
      z.object({
        assetId: z.string(),
        state: stateIntervalSchema.nullable().describe('The newest state interval; null before any'),
        live: z.array(oeeResultSchema).describe('As GET /api/v1/oee/live'),
      }),
    ),
  })
  .meta({ id: 'StreamSnapshot' });

export type Snapshot = z.output<typeof snapshotSchema>;

const snapshotJson = (timeMs: number, machines: readonly MachineStatus[]): Snapshot => ({
  time: isoOf(timeMs * 1000),
  machines: machines.map((machine) => ({
    assetId: machine.assetId,
    state: machine.state === undefined ? null : intervalJson(machine.state),
    live: machine.live.map(oeeJson),
  })),
});

async function snapshotOf(
  api: GatewayApi,
  principal: Principal,
  assetIds: readonly string[],
  now: () => number,
): Promise<Snapshot> {
  const timeMs = now();
  const machines = await Promise.all(
    assetIds.map((assetId) => machineStatus(api, principal, assetId, timeMs * 1000)),
  );
  return snapshotJson(timeMs, machines);
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Registers the stream route; streams still open when the server closes are ended so that it can close. */
export function streamRoutes(app: FastifyInstance, api: GatewayApi, now: () => number = Date.now): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  async function stream(
    request: FastifyRequest<{ Querystring: z.output<typeof streamQuery> }>,
    reply: FastifyReply,
  ): Promise<void> {
    const principal = principalOf(request);
    const assetIds = [...new Set([request.query.assetId].flat())];
    // The first snapshot before the stream opens: an unknown or foreign asset is a 404 or 403 problem, not an
    // event on a 200 stream.
    const first = await snapshotOf(api, principal, assetIds, now);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.write(sse('snapshot', first));
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      open.delete(end);
      raw.end();
    };
    open.add(end);
    request.raw.once('close', end);
    const tick = async (): Promise<void> => {
      try {
        const snapshot = await snapshotOf(api, principal, assetIds, now);
        if (!ended) raw.write(sse('snapshot', snapshot));
      } catch (error) {
        // A failed read (the database away for a moment) is told to the reader; the stream goes on.
        request.log.warn({ err: error, assetIds, principal: principal.subject }, 'stream snapshot failed');
        const detail =
          error instanceof ApiError ? error.message : 'the snapshot failed inside the gateway; see its log';
        if (!ended) raw.write(sse('problem', { detail }));
      }
      if (!ended) timer = setTimeout(() => void tick(), request.query.intervalS * 1000);
    };
    timer = setTimeout(() => void tick(), request.query.intervalS * 1000);
  }

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/stream',
    {
      schema: {
        tags: ['oee'],
        summary: 'Server-sent events: the current state and live OEE of machines, every intervalS seconds',
        description:
          'A text/event-stream of `snapshot` events (data: the StreamSnapshot JSON) and, when a read fails, ' +
          '`problem` events (data: a problem document). Send the credential in the Authorization header ' +
          '(read the stream with fetch(); EventSource cannot send headers).',
        security: [{ bearer: [] }],
        querystring: streamQuery,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'One snapshot event at once, then one every intervalS seconds',
            content: { 'text/event-stream': { schema: snapshotSchema } },
          },
          ...errorResponses,
        },
      },
    },
    stream,
  );
}
