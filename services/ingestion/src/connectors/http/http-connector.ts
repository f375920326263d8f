// The HTTP push connector: sources that cannot be polled post batches of samples as JSON.
// A batch is accepted or refused as a whole (atomic): a client that gets 400 fixes its request and sends
// it again, and never has to find out which of its samples already went through.
//
//   202 { accepted: n }          emitted as one batch of source `http/<source>`, answered once the samples are
//                                written to the store-and-forward buffer's files: a kill -9 after it loses none
//   503 { error, message }       the buffer has no room for the request (asked before its body is read, whatever
//                                the overflow policy: drop-oldest would drop samples already answered 202), or
//                                drop-newest refused the samples; Retry-After says when to try again. Nothing of
//                                the request was kept
//   400 { error, message, issues } malformed JSON, a field that does not match, or a sample the pipeline would
//                                refuse (time outside the plausible window, control characters, Infinity);
//                                dead-lettered with the body
//   401                          missing or wrong bearer token; not dead-lettered (the body is not read)
//   413 / 415                    body over maxBodyBytes / not application/json; not dead-lettered
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '@kiln/service-kit';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  DEFAULT_SAMPLE_RULES,
  sampleProblem,
  type SampleField,
  type SampleRules,
} from '../../pipeline/sample-check';
import { BufferRefusedError, nowMicros, type Connector, type ConnectorContext, type Sample } from '../types';
import type { HttpConnectorConfig } from './config';
import { parseSampleBatch, SampleBatchError, SOURCE_NAME, toSamples, type BatchIssue } from './sample-batch';

export interface HttpConnector extends Connector {
  readonly kind: 'http';
  /** Where the server listens (the port chosen when the configured port is 0); throws before start. */
  address(): { host: string; port: number };
}

/** The body is not JSON at all. */
export class MalformedJsonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedJsonError';
  }
}

export function createHttpConnector(config: HttpConnectorConfig): HttpConnector {
  let app: FastifyInstance | undefined;
  let context: ConnectorContext | undefined;
  let bound: { host: string; port: number } | undefined;

  return {
    id: config.id,
    kind: 'http',

    async start(ctx: ConnectorContext): Promise<void> {
      if (app !== undefined) throw new Error(`http connector ${config.id} is already running`);
      context = ctx;
      ctx.setState('starting');
      app = buildServer(config, ctx);
      try {
        await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        app = undefined;
        const reason = error instanceof Error ? error.message : String(error);
        ctx.setState('disconnected', `cannot listen on ${config.host}:${config.port}: ${reason}`);
        // Unlike a device that comes back, a taken port needs an operator: fail the start.
        throw new Error(
          `http connector ${config.id} cannot listen on ${config.host}:${config.port} (connectors.${config.id}.port): ${reason}`,
          { cause: error },
        );
      }
      const address = app.server.address();
      bound =
        address !== null && typeof address === 'object'
          ? { host: address.address, port: address.port }
          : { host: config.host, port: config.port };
      ctx.logger.info(
        { connector: config.id, ...bound, path: config.path, tls: config.tls !== undefined },
        'http connector listening',
      );
      if (config.insecure && !isLoopbackHost(config.host)) {
        ctx.logger.warn(
          {
            connector: config.id,
            host: config.host,
            token: config.authToken !== undefined,
            tls: config.tls !== undefined,
          },
          `http connector ${config.id} takes posts from the network ${config.authToken === undefined ? 'without a token' : 'with its token'}` +
            `${config.tls === undefined ? ' in clear' : ''} (insecure: true)`,
        );
      }
      ctx.setState('connected');
    },

    async stop(): Promise<void> {
      const server = app;
      app = undefined;
      bound = undefined;
      if (server === undefined) return;
      await server.close();
      context?.setState('stopped');
    },

    address() {
      if (bound === undefined) throw new Error(`http connector ${config.id} is not listening`);
      return bound;
    },
  };
}

function buildServer(config: HttpConnectorConfig, context: ConnectorContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    ...(config.tls === undefined
      ? {}
      : { https: { cert: readPem(config, 'certFile'), key: readPem(config, 'keyFile') } }),
  }) as unknown as FastifyInstance;

  // The raw bytes are kept: a refused body is dead-lettered exactly as it came.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  if (config.authToken !== undefined) {
    const expected = digest(config.authToken);
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
      if (token !== undefined && timingSafeEqual(digest(token), expected)) return;
      context.logger.debug({ connector: config.id, ip: request.ip }, 'http request without a valid token');
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'unauthorized', message: 'expected header Authorization: Bearer <token>' });
    });
  }

  admitOnlyWhatFits(app, config, context);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return reply.code(413).send({
        error: 'payload-too-large',
        message: `body exceeds ${config.maxBodyBytes} bytes (maxBodyBytes); send smaller batches`,
      });
    }
    if (status === 415) {
      return reply
        .code(415)
        .send({ error: 'unsupported-media-type', message: 'expected Content-Type: application/json' });
    }
    if (status >= 500)
      context.logger.error({ connector: config.id, url: request.url, err: error }, 'http handler failed');
    return reply.code(status).send({ error: error.code, message: error.message });
  });

  app.post(config.path, (request, reply) => receive(request, reply, config, context));
  return app;
}

async function receive(
  request: FastifyRequest,
  reply: FastifyReply,
  config: HttpConnectorConfig,
  context: ConnectorContext,
): Promise<FastifyReply> {
  const receiveTimeUs = nowMicros();
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const reason =
      raw.length === 0 ? 'the body is empty' : error instanceof Error ? error.message : String(error);
    const rejected = new MalformedJsonError(`body is not JSON: ${reason}`, { cause: error });
    context.reject({
      sourceId: `http/${config.id}`,
      cause: 'malformed-json',
      error: rejected,
      payload: raw,
      origin: config.path,
    });
    return reply.code(400).send({ error: 'malformed-json', message: rejected.message });
  }

  const parsed = parseSampleBatch(body);
  if (!parsed.ok) {
    context.reject({
      sourceId: sourceIdOf(body, config),
      cause: 'bad-request',
      error: parsed.error,
      payload: raw,
      origin: config.path,
    });
    return reply
      .code(400)
      .send({ error: 'bad-request', message: parsed.error.message, issues: parsed.error.issues });
  }

  const samples = toSamples(parsed.batch, receiveTimeUs);
  const refused = refusedSamples(samples, receiveTimeUs, context.sampleRules ?? DEFAULT_SAMPLE_RULES);
  if (refused !== undefined) {
    context.reject({
      sourceId: `http/${parsed.batch.source}`,
      cause: 'bad-request',
      error: refused,
      payload: raw,
      origin: config.path,
    });
    return reply.code(400).send({ error: 'bad-request', message: refused.message, issues: refused.issues });
  }
  if (samples.length > 0) {
    try {
      // refusedSamples ran the pipeline's own check with its rules a moment ago.
      await context.emitDurable(`http/${parsed.batch.source}`, samples, undefined, { checked: true });
    } catch (error) {
      if (error instanceof BufferRefusedError) {
        return reply
          .code(503)
          .header('retry-after', String(RETRY_AFTER_S))
          .send({ error: 'buffer-full', message: error.message });
      }
      throw error;
    }
  }
  return reply.code(202).send({ accepted: samples.length });
}

/**
 * Past the buffer's capacity a request is refused before its body is read or parsed: the cheapest answer, so the
 * accepted rate stays at what the forwarder drains instead of sinking under the work of requests refused anyway.
 * The bytes of requests admitted but not yet answered are held back, so requests arriving together cannot overfill
 * the buffer between the check and their append. A body's JSON is larger than its protobuf entry: the check errs on
 * the side of refusing.
 */
function admitOnlyWhatFits(
  app: FastifyInstance,
  config: HttpConnectorConfig,
  context: ConnectorContext,
): void {
  const hasRoomFor = context.hasRoomFor;
  if (hasRoomFor === undefined) return;
  let admittedBytes = 0;
  app.addHook('onRequest', async (request, reply) => {
    const declared = Number(request.headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? declared : config.maxBodyBytes;
    if (!hasRoomFor(admittedBytes + bytes)) {
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({
          error: 'buffer-full',
          message:
            `the store-and-forward buffer has no room for this request (ingestion.buffer.maxBytes): ` +
            `try again in ${RETRY_AFTER_S} s`,
        });
    }
    admittedBytes += bytes;
    reply.raw.once('close', () => {
      admittedBytes -= bytes;
    });
    return undefined;
  });
}

/** What a client refused for a full buffer waits before it tries again: the forwarder's time to make room. */
const RETRY_AFTER_S = 5;

// The request's own names for the Sample fields a client sets.
const requestField: Record<SampleField, string> = {
  sourceId: 'source',
  tag: 'tag',
  value: 'value',
  sourceTimeUs: 'timestamp',
  receiveTimeUs: 'timestamp',
};
const MAX_ISSUES = 10;

/**
 * The samples the pipeline would refuse (a time outside the plausible window, a control character, a number
 * JSON parsed as Infinity), as the issues of a 400: the request is refused whole, like one that breaks the schema.
 */
function refusedSamples(
  samples: readonly Sample[],
  nowUs: number,
  rules: SampleRules,
): SampleBatchError | undefined {
  const issues: BatchIssue[] = [];
  samples.forEach((sample, index) => {
    const problem = sampleProblem(sample, nowUs, rules);
    if (problem !== undefined && issues.length < MAX_ISSUES)
      issues.push({ field: `samples[${index}].${requestField[problem.field]}`, message: problem.problem });
  });
  return issues.length === 0 ? undefined : new SampleBatchError(issues);
}

/** The source a refused body names, when it names a usable one; else the connector. */
function sourceIdOf(body: unknown, config: HttpConnectorConfig): string {
  if (typeof body === 'object' && body !== null && 'source' in body) {
    const source = body.source;
    if (typeof source === 'string' && SOURCE_NAME.test(source)) return `http/${source}`;
  }
  return `http/${config.id}`;
}

// Hashing first gives equal lengths, which timingSafeEqual needs, and hides the token's length.
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A PEM file of the connector's TLS settings; an unreadable one names the setting. */
function readPem(config: HttpConnectorConfig, field: 'certFile' | 'keyFile'): Buffer {
  const file = config.tls?.[field] ?? '';
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as { message?: unknown } | null)?.message ?? String(error);
    throw new Error(
      `http connector ${config.id} cannot read connectors.${config.id}.tls.${field} (${file}): ${reason}`,
      {
        cause: error,
      },
    );
  }
}
