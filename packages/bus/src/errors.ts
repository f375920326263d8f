// Errors a handler throws to tell the bus how to treat a failing batch.

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

/** The bus itself failed to do what was asked (publish, provision, dead-letter). */
export class BusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
