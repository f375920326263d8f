// Errors of the API layer -> gRPC statuses. An ApiError keeps its message, with the field at fault named by its
// path in the request (field-names.ts), also in the `kiln-field` trailer; the historian's InvalidArgumentError is
// the caller's fault too; a credential past its rate limit is RESOURCE_EXHAUSTED with the seconds to wait in the
// `retry-after` trailer (as REST's Retry-After); anything else is INTERNAL with a generic message, logged with the
// method so that an operator can find it.
import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import type { Logger } from '@kiln/service-kit';
import { InvalidArgumentError } from '@kiln/timeseries';
import { RateLimitedError } from '../auth/rate-limiter';
import { ApiError, type ApiErrorKind } from '../errors';
import { protoFieldOf, reasonOf, type FieldNames } from './field-names';

const CODES: Record<ApiErrorKind, status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'out-of-range': status.OUT_OF_RANGE,
  unauthenticated: status.UNAUTHENTICATED,
  'permission-denied': status.PERMISSION_DENIED,
  'not-found': status.NOT_FOUND,
  'failed-precondition': status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
};

export const GRPC_ERROR_FIELD_KEY = 'kiln-field';
export const GRPC_RETRY_AFTER_KEY = 'retry-after';

export function statusError(code: status, details: string, field?: string): ServerErrorResponse {
  const metadata = new Metadata();
  if (field !== undefined) metadata.set(GRPC_ERROR_FIELD_KEY, field);
  return Object.assign(new Error(details), { code, details, metadata });
}

function apiStatus(error: ApiError, names: FieldNames): ServerErrorResponse {
  if (error.field === undefined) return statusError(CODES[error.kind], error.message);
  const field = protoFieldOf(error.field, names);
  return statusError(CODES[error.kind], `${field}: ${reasonOf(error)}`, field);
}

export const deadlineExceeded = (): ServerErrorResponse =>
  statusError(status.DEADLINE_EXCEEDED, 'the deadline of the call passed before its answer was ready');

/**
 * The status to answer for an error thrown by a handler; `names` says where the fields the domain names sit in
 * the method's request (field-names.ts).
 */
export function statusOf(
  error: unknown,
  method: string,
  logger: Logger,
  names: FieldNames = {},
): ServerErrorResponse {
  if (error instanceof ApiError) return apiStatus(error, names);
  if (error instanceof InvalidArgumentError) return statusError(status.INVALID_ARGUMENT, error.message);
  if (error instanceof RateLimitedError) {
    const exhausted = statusError(status.RESOURCE_EXHAUSTED, error.message);
    exhausted.metadata?.set(GRPC_RETRY_AFTER_KEY, String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    return exhausted;
  }
  logger.error({ err: error, method }, 'gRPC call failed');
  return statusError(status.INTERNAL, 'internal error; the server log has the details');
}
