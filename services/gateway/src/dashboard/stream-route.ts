// GET /api/v1/stream: server-sent events (text/event-stream) for the dashboard and any other live view. Every
// `intervalS` seconds one `snapshot` event carries each asked machine's current state and the OEE service's live
// results, mapped like GET /api/v1/states and GET /api/v1/oee/live. The credential comes in the Authorization
// header like every other route (read the stream with fetch(), not EventSource, which cannot send headers): no
// key ever goes into a URL or an access log. It is presented again before every snapshot (stream-guard.ts), and
// the stream holds one of gateway.streams' slots while it is open.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import type { Principal } from '../auth/principal';
import { isoOf } from '../domain/range';
import { streamCredentialProblem } from '../auth/stream-guard';
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

/** A reader that takes nothing for this many intervals, and at least STALLED_MS, loses its stream. */
const STALLED_INTERVALS = 3;
const STALLED_MS = 60_000;

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
    const intervalMs = request.query.intervalS * 1000;
    // A slot under gateway.streams' caps (429 past them), given back when the stream ends however it ends.
    const release = api.streams.take(principal.subject);
    let first: Snapshot;
    try {
      // The first snapshot before the stream opens: an unknown or foreign asset is a 404 or 403 problem, not an
      // event on a 200 stream.
      first = await snapshotOf(api, principal, assetIds, now);
    } catch (error) {
      release();
      throw error;
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    // Back-pressure: while the reader has not taken what was written, no snapshot is written (the next one after
    // it does is the newest); a reader that takes nothing for STALLED_INTERVALS intervals (at least a minute)
    // loses the stream, and its socket, rather than holding a slot.
    let behindSinceMs: number | undefined;
    raw.on('drain', () => {
      behindSinceMs = undefined;
    });
    const write = (text: string): void => {
      if (!raw.write(text)) behindSinceMs ??= now();
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      open.delete(end);
      release();
      if (behindSinceMs === undefined) raw.end();
      else raw.destroy();
    };
    open.add(end);
    request.raw.once('close', end);
    write(sse('snapshot', first));
    const tick = async (): Promise<void> => {
      // The credential again before every push: revoked, expired or granting another scope ends the stream with
      // a `problem` event saying so.
      const refused = await streamCredentialProblem(
        api.authenticator,
        request.headers.authorization,
        request.ip,
        principal,
      );
      if (ended) return;
      if (refused !== undefined) {
        write(sse('problem', { status: 401, title: 'unauthenticated', detail: refused }));
        end();
        return;
      }
      if (behindSinceMs !== undefined) {
        if (now() - behindSinceMs >= Math.max(STALLED_MS, STALLED_INTERVALS * intervalMs)) {
          request.log.warn({ assetIds, principal: principal.subject }, 'stream reader stalled; stream ended');
          end();
          return;
        }
      } else {
        try {
          const snapshot = await snapshotOf(api, principal, assetIds, now);
          if (!ended) write(sse('snapshot', snapshot));
        } catch (error) {
          // A failed read (the database away for a moment) is told to the reader; the stream goes on.
          request.log.warn({ err: error, assetIds, principal: principal.subject }, 'stream snapshot failed');
          const detail =
            error instanceof ApiError ? error.message : 'the snapshot failed inside the gateway; see its log';
          if (!ended) write(sse('problem', { detail }));
        }
      }
      if (!ended) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), intervalMs);
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
