// Which failures are the record's (it can never succeed: it goes to kiln.dlq.v1 with its reason) and which the
// world's (the database, Redis or a broker is away: retried without end, shown in readiness and metrics). The
// vocabulary (PermanentError, RuleError, TransientError) lives in @kiln/contracts, where decoders raise it; what
// else counts as which (SQLSTATEs, connection errors, kafkajs) is decided once here, by classifyFailure.
import { PermanentError, TransientError } from '@kiln/contracts';

/** The bus itself failed to do what was asked (publish, provision, dead-letter). */
export class BusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusError';
  }
}

/**
 * `permanent`: dead-letter the record. `transient`: retry without end. `unknown`: neither is known (a bug, most
 * likely): the bus retries a few times, then handles the records one by one and dead-letters those that still fail.
 */
export type FailureClass = 'permanent' | 'transient' | 'unknown';

// Errors of the record itself, whatever raised them.
const PERMANENT_NAMES = new Set(['PermanentError', 'RuleError', 'EventDecodeError']);

// PostgreSQL SQLSTATE (appendix A of its manual). Class 22 data exception (a NUL in text is 22021, a time out of
// range 22008), 23 integrity constraint violation, 54 program limit exceeded (a row too big): the same statement
// fails the same way every time.
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23', '54']);
// Class 08 connection exception, 53 insufficient resources, 57P01-57P05 shutdown and operator intervention,
// 58 system error (I/O), 40001/40P01 serialization failure and deadlock, 55P03 lock not available,
// 25006 read-only transaction (a failover to a standby that is not yet promoted): the world changes, retry.
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '53', '58']);
const TRANSIENT_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '57P04',
  '57P05',
  '40001',
  '40P01',
  '55P03',
  '25006',
]);

// Node.js system errors of a connection that broke or could not be made.
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CLOSED',
]);

// Messages of clients that throw plain Errors when their connection is gone: node-postgres and pg-pool,
// ioredis, kafkajs.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /connection (is )?closed/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /reached the max retries per request limit/i,
  /stream isn't writeable/i,
  /connection timeout/i,
  /command timed out/i,
  /broker not connected|not connected to any broker|there is no leader for this topic-partition/i,
];

/** How the bus treats a failure: looks through `cause` chains and at the error's name, SQLSTATE and code. */
export function classifyFailure(error: unknown): FailureClass {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current !== undefined && current !== null;) {
    if (seen.has(current)) break;
    seen.add(current);
    const own = classifyOne(current);
    if (own !== 'unknown') return own;
    current = current instanceof Error ? current.cause : undefined;
  }
  return 'unknown';
}

function classifyOne(error: unknown): FailureClass {
  if (error instanceof TransientError) return 'transient';
  if (error instanceof PermanentError) return 'permanent';
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { name, code, retriable, message } = error as {
    name?: unknown;
    code?: unknown;
    retriable?: unknown;
    message?: unknown;
  };
  if (typeof name === 'string' && PERMANENT_NAMES.has(name)) return 'permanent';
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const sqlClass = code.slice(0, 2);
      if (PERMANENT_SQLSTATE_CLASSES.has(sqlClass)) return 'permanent';
      if (TRANSIENT_SQLSTATE_CLASSES.has(sqlClass) || TRANSIENT_SQLSTATES.has(code)) return 'transient';
    }
    if (TRANSIENT_SYSTEM_CODES.has(code)) return 'transient';
  }
  // kafkajs marks each protocol error retriable or not.
  if (retriable === true) return 'transient';
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) {
    return 'transient';
  }
  return 'unknown';
}

/**
 * What a consumer throws when making a batch's effects durable failed (storing, publishing). A record the
 * database refused for good stays a failure of the record, to be dead-lettered once the batch is handled record
 * by record; anything else is taken as the world's and retried without end: dead-lettering good records during an
 * outage nobody recognised would take them out of the flow.
 */
export function effectFailure(message: string, error: unknown): PermanentError | TransientError {
  const text = `${message}: ${describeError(error)}`;
  return classifyFailure(error) === 'permanent'
    ? new PermanentError(text, { cause: error })
    : new TransientError(text, { cause: error });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
