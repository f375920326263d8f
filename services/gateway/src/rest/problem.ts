// Every REST error as an RFC 9457 problem document (application/problem+json) naming what was wrong: the
// gateway's ApiErrors, schema validation failures (the first bad field and all issues), the historian's argument
// errors, rate limiting; anything else is a 500 that is logged and does not leak details.
import { InvalidArgumentError } from '@kiln/timeseries';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { RateLimitedError } from '../auth/rate-limiter';
import { ApiError, type ApiErrorKind } from '../errors';

export const PROBLEM_TYPE_BASE = 'https://kiln.dev/problems/';

const STATUS: Record<ApiErrorKind, number> = {
  'invalid-argument': 400,
  'out-of-range': 400,
  unauthenticated: 401,
  'permission-denied': 403,
  'not-found': 404,
  'failed-precondition': 409,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  field?: string;
  issues?: { field: string; message: string }[];
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  kind: string,
  detail: string,
  extra: Partial<Problem> = {},
): FastifyReply {
  const problem: Problem = {
    type: `${PROBLEM_TYPE_BASE}${kind}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    ...extra,
  };
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="kiln"');
  return reply.code(status).type('application/problem+json').send(problem);
}

/** `/events/1/time` (JSON pointer of the validation error) -> `events[1].time`. */
const pathOf = (pointer: string): string =>
  pointer
    .split('/')
    .filter((part) => part !== '')
    .map((part, i) =>
      /^\d+$/.test(part)
        ? `[${part}]`
        : `${i === 0 ? '' : '.'}${part.replaceAll('~1', '/').replaceAll('~0', '~')}`,
    )
    .join('');

/** Called for every request refused as invalid (400) with the field at fault. */
export type InvalidInputListener = (request: FastifyRequest, field: string) => void;

/** The error handler of the REST server; `onInvalid` hears of every 400 (for the metric). */
export function problemHandler(onInvalid: InvalidInputListener = () => undefined) {
  const invalid = (
    reply: FastifyReply,
    request: FastifyRequest,
    kind: string,
    field: string,
    detail: string,
    extra: Partial<Problem> = {},
  ): FastifyReply => {
    onInvalid(request, field);
    return sendProblem(reply, request, 400, kind, detail, { field, ...extra });
  };
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // Refused before authentication (too many failures from the address): the wait goes in Retry-After.
    if (error instanceof RateLimitedError) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
      return sendProblem(reply, request, 429, 'rate-limited', error.message);
    }
    if (error instanceof ApiError) {
      const status = STATUS[error.kind];
      if (status === 400 && error.field !== undefined) {
        return invalid(reply, request, error.kind, error.field, error.message);
      }
      return sendProblem(reply, request, status, error.kind, error.message, {
        ...(error.field === undefined ? {} : { field: error.field }),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'request';
      const issues = error.validation.map((issue) => {
        const path = pathOf(issue.instancePath);
        return { field: path === '' ? where : path, message: issue.message ?? 'is not valid' };
      });
      const first = issues[0] ?? { field: where, message: 'is not valid' };
      return invalid(reply, request, 'invalid-argument', first.field, `${first.field}: ${first.message}`, {
        issues,
      });
    }
    if (error instanceof InvalidArgumentError) {
      return sendProblem(reply, request, 400, 'invalid-argument', error.message);
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return sendProblem(reply, request, 429, 'rate-limited', error.message);
    // The body parser's refusals (not JSON, empty, too large, an unsupported content type) are the body's fault.
    if (status === 400 && error.code.startsWith('FST_ERR_CTP_')) {
      return invalid(reply, request, 'invalid-argument', 'body', `body: ${error.message}`);
    }
    if (status >= 400 && status < 500) {
      return sendProblem(reply, request, status, 'bad-request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, request, 500, 'internal', 'the request failed inside the gateway; see its log');
  };
}

/**
 * fastify's `frameworkErrors`: the router's refusals (a malformed percent-encoding, a path parameter over
 * maxParamLength) as problem documents naming the path, like every other refusal, instead of fastify's own JSON.
 */
export function routerProblemHandler(onInvalid: InvalidInputListener = () => undefined) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = error.statusCode ?? 400;
    const detail =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'path: a path parameter is longer than the API accepts'
        : error.code === 'FST_ERR_BAD_URL'
          ? 'path: holds a malformed percent-encoding'
          : `path: ${error.message.slice(0, 200)}`;
    if (status === 400) onInvalid(request, 'path');
    return sendProblem(reply, request, status, status === 400 ? 'invalid-argument' : 'bad-request', detail, {
      field: 'path',
    });
  };
}
