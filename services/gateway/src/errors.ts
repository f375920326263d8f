// The errors of the API layer, independent of the transport: REST maps them to RFC 9457 problem documents and
// HTTP status codes, gRPC to status codes. Each names what was wrong and, where one field was, which one.

export type ApiErrorKind =
  | 'invalid-argument'
  | 'out-of-range'
  | 'unauthenticated'
  | 'permission-denied'
  | 'not-found'
  | 'failed-precondition'
  | 'unavailable';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    /** The request field at fault (a query parameter, a body path such as `events[3].startTime`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidArgument = (field: string, message: string): ApiError =>
  new ApiError('invalid-argument', `${field}: ${message}`, field);
export const notFound = (message: string): ApiError => new ApiError('not-found', message);
export const unauthenticated = (message: string): ApiError => new ApiError('unauthenticated', message);
export const permissionDenied = (message: string): ApiError => new ApiError('permission-denied', message);
