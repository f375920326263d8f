// One vocabulary of failure for every consumer of a Kiln topic, and for the bus that runs them: a failure of the
// record (it can never be processed, however often it is tried: it goes to kiln.dlq.v1 at once, with its reason)
// or a failure of the world (the database, Redis or a broker is away: retried without end, never dead-lettered).
// Pure classes, no I/O, so that a decoder in a core package can raise them without depending on the bus; which
// other errors (SQLSTATEs, connection errors) count as which is the bus's classifyFailure (docs/events.md).

/**
 * The batch failed for a reason outside the records (database unreachable, downstream timeout). The bus
 * retries it with capped backoff for as long as the subscription runs and never dead-letters its records:
 * an outage must not empty a partition into the DLQ.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * The record can never succeed, however often it is tried: the bus dead-letters it without retrying the batch
 * (the other records of the batch are handled on their own).
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * A record breaks a rule the core or the database relies on (a time out of range, a NUL in a text, a shift that
 * ends before it starts). The message names the record, the field and what was expected.
 */
export class RuleError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuleError';
  }
}
