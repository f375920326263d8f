// What every kiln.v1 call goes through: the deadline (answered with DEADLINE_EXCEEDED when it has passed before
// or after the work), authentication from the `authorization` metadata, the credential's rate limit (one request
// per call, a stream counting once when it opens), the request's checks (request-checks.ts), and errors mapped to
// statuses (a refused argument counted by its field). Server streams run until the client cancels, the server
// stops (LiveStreams ends them all) or their credential no longer passes (stream-guard.ts).
import { status as Status } from '@grpc/grpc-js';
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerErrorResponse,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from '@kiln/service-kit';
import type { GatewayApi } from '../api';
import type { Principal } from '../auth/principal';
import { streamCredentialProblem } from '../auth/stream-guard';
import { unauthenticated, type ApiError } from '../errors';
import type { GatewayMetrics } from '../metrics';
import type { FixedWindowRateLimiter } from '../auth/rate-limiter';
import type { FieldNames } from './field-names';
import { checkRequest } from './request-checks';
import { deadlineExceeded, GRPC_ERROR_FIELD_KEY, statusOf } from './status';

export interface GrpcHandlerContext {
  readonly api: GatewayApi;
  readonly logger: Logger;
  readonly streams: LiveStreams;
  readonly metrics?: GatewayMetrics;
  /** How often the live streams poll; defaults 1 s (telemetry) and 2 s (OEE). */
  readonly livePollMs?: { readonly telemetry?: number; readonly oee?: number };
  /** Requests per credential (principal subject) and window; absent: no limit. */
  readonly rateLimiter?: FixedWindowRateLimiter;
}

/** The open server streams, so that stopping the server ends them instead of waiting for their clients. */
export class LiveStreams {
  private readonly open = new Set<AbortController>();
  private closed = false;

  /** A signal aborted when the stream's client cancels or the server stops. */
  register(call: ServerWritableStream<unknown, unknown>): AbortSignal {
    const controller = new AbortController();
    if (this.closed) controller.abort();
    this.open.add(controller);
    const forget = (): void => {
      this.open.delete(controller);
      controller.abort();
    };
    call.once('cancelled', forget);
    call.once('close', forget);
    return controller.signal;
  }

  /** Aborts every open stream (each then ends with OK) and any opened later. */
  closeAll(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
    this.open.clear();
  }

  get size(): number {
    return this.open.size;
  }
}

/** Milliseconds since the epoch of a call's deadline; Infinity without one. */
function deadlineMsOf(call: { getDeadline(): Date | number }): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

export const deadlinePassed = (call: { getDeadline(): Date | number }, nowMs = Date.now()): boolean =>
  nowMs >= deadlineMsOf(call);

function authorizationOf(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

/** The client's address without its port: `ipv4:10.0.0.7:51234` -> `10.0.0.7`, `ipv6:[::1]:5` -> `::1`. */
export function peerAddressOf(peer: string): string {
  const bare = peer.replace(/^(ipv4|ipv6|unix):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const withPort = /^([^:]+):\d+$/.exec(bare);
  return withPort?.[1] ?? bare;
}

/** The caller's principal, counted against its rate limit (RateLimitedError past it). */
async function admit(context: GrpcHandlerContext, metadata: Metadata, peer: string): Promise<Principal> {
  const principal = await context.api.authenticator.authenticate(
    authorizationOf(metadata),
    peerAddressOf(peer),
  );
  context.rateLimiter?.consume(principal.subject);
  return principal;
}

/** Thrown inside the wrappers below to answer DEADLINE_EXCEEDED. */
const DEADLINE = Symbol('deadline passed');

/** The status of a failed call; a refused argument is counted by its field. */
function answerOf(
  context: GrpcHandlerContext,
  method: string,
  error: unknown,
  names: FieldNames,
): ServerErrorResponse {
  if (error === DEADLINE) return deadlineExceeded();
  const status = statusOf(error, method, context.logger, names);
  const field = status.metadata?.get(GRPC_ERROR_FIELD_KEY)[0];
  if (status.code === Status.INVALID_ARGUMENT || status.code === Status.OUT_OF_RANGE) {
    context.metrics?.invalidInput('grpc', method, typeof field === 'string' ? field : 'request');
  }
  return status;
}

/**
 * A unary handler: deadline, authentication, rate limit, the work, the deadline again, errors as statuses (a field
 * the domain names, by its path in the request: `names`).
 */
export function unary<Request, Response>(
  context: GrpcHandlerContext,
  method: string,
  work: (request: Request, principal: Principal) => Promise<Response>,
  names: FieldNames = {},
): handleUnaryCall<Request, Response> {
  return (call: ServerUnaryCall<Request, Response>, callback) => {
    const started = performance.now();
    const done = (outcome: string): void =>
      context.metrics?.request('grpc', method, outcome, (performance.now() - started) / 1000);
    const run = async (): Promise<Response> => {
      if (deadlinePassed(call)) throw DEADLINE;
      const principal = await admit(context, call.metadata, call.getPeer());
      const response = await work(checkRequest(call.request), principal);
      if (deadlinePassed(call)) throw DEADLINE;
      return response;
    };
    run().then(
      (response) => {
        done('OK');
        callback(null, response);
      },
      (error: unknown) => {
        const status = answerOf(context, method, error, names);
        done(Status[status.code ?? Status.UNKNOWN] ?? 'UNKNOWN');
        callback(status);
      },
    );
  };
}

/**
 * A server-streaming handler: authenticates and counts the call against the rate limit, takes a stream slot
 * (RESOURCE_EXHAUSTED past gateway.streams' caps), then `work` sends until the signal aborts (client cancelled,
 * server stopping) or it returns; the stream then ends with OK. An error ends it with its status (fields named as
 * for unary). `send` presents the credential again first: revoked, expired or granting another scope ends the
 * stream with UNAUTHENTICATED and the reason. It resolves false when the message was not written (the stream
 * ended, or the client has not read what was written before: nothing queues behind a slow reader, and `work`
 * sends its news again at the next turn).
 */
export function serverStream<Request, Response>(
  context: GrpcHandlerContext,
  method: string,
  work: (
    request: Request,
    principal: Principal,
    send: (message: Response) => Promise<boolean>,
    signal: AbortSignal,
  ) => Promise<void>,
  names: FieldNames = {},
): handleServerStreamingCall<Request, Response> {
  return (call: ServerWritableStream<Request, Response>) => {
    const started = performance.now();
    const done = (outcome: string): void =>
      context.metrics?.request('grpc', method, outcome, (performance.now() - started) / 1000);
    const ended = new AbortController();
    const stopped = context.streams.register(call as ServerWritableStream<unknown, unknown>);
    if (stopped.aborted) ended.abort();
    else stopped.addEventListener('abort', () => ended.abort(), { once: true });
    const signal = ended.signal;
    let refused: ApiError | undefined;
    let release: (() => void) | undefined;
    let readerKeepsUp = true;
    call.on('drain', () => {
      readerKeepsUp = true;
    });
    const run = async (): Promise<void> => {
      if (deadlinePassed(call)) throw DEADLINE;
      const principal = await admit(context, call.metadata, call.getPeer());
      release = context.api.streams.take(principal.subject);
      const send = async (message: Response): Promise<boolean> => {
        if (signal.aborted) return false;
        const problem = await streamCredentialProblem(
          context.api.authenticator,
          authorizationOf(call.metadata),
          peerAddressOf(call.getPeer()),
          principal,
        );
        if (problem !== undefined) {
          refused = unauthenticated(problem);
          ended.abort();
          return false;
        }
        if (signal.aborted || !readerKeepsUp) return false;
        readerKeepsUp = call.write(message);
        return true;
      };
      await work(checkRequest(call.request), principal, send, signal);
      if (refused !== undefined) throw refused;
    };
    run()
      .then(
        () => {
          done(call.cancelled ? 'CANCELLED' : 'OK');
          if (!call.cancelled) call.end();
        },
        (error: unknown) => {
          if (call.cancelled) {
            done('CANCELLED');
            return;
          }
          const status = answerOf(context, method, error, names);
          done(Status[status.code ?? Status.UNKNOWN] ?? 'UNKNOWN');
          call.emit('error', status);
        },
      )
      .finally(() => release?.());
  };
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
