// What a live stream (REST server-sent events, gRPC server streams) owes the rest of the gateway: a slot under two
// caps, one per credential and one in all, so that one client cannot hold every socket and timer; and its
// credential checked again before every push, so that a revoked key or an expired token ends the stream with its
// reason instead of reading on for hours after it was taken back.
import { ApiError } from '../errors';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';
import { RateLimitedError } from './rate-limiter';

export interface StreamLimits {
  /** Open streams at most, all credentials together; 0: none may open. */
  readonly max: number;
  /** Open streams at most per credential (key id or token subject). */
  readonly maxPerCredential: number;
}

/** How long a refused client is told to wait: streams end when their clients leave, not at a known time. */
const RETRY_AFTER_MS = 10_000;

/** A stream refused at a cap; REST answers 429, gRPC RESOURCE_EXHAUSTED, both with the wait. */
export class TooManyStreamsError extends RateLimitedError {
  constructor(max: number, scope: 'credential' | 'gateway') {
    super(
      max,
      RETRY_AFTER_MS,
      RETRY_AFTER_MS,
      scope === 'credential'
        ? `this credential has ${max} live streams open, its most (gateway.streams.maxPerCredential); close one`
        : `the gateway has ${max} live streams open, its most (gateway.streams.max)`,
    );
    this.name = 'TooManyStreamsError';
  }
}

/** The open live streams of this gateway, counted per credential; REST and gRPC share them. */
export class StreamSlots {
  private readonly perCredential = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Takes a slot for a stream of `subject`, or throws TooManyStreamsError; the answer gives it back (once). */
  take(subject: string): () => void {
    const mine = this.perCredential.get(subject) ?? 0;
    if (mine >= this.limits.maxPerCredential)
      throw new TooManyStreamsError(this.limits.maxPerCredential, 'credential');
    if (this.total >= this.limits.max) throw new TooManyStreamsError(this.limits.max, 'gateway');
    this.perCredential.set(subject, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perCredential.get(subject) ?? 1) - 1;
      if (left === 0) this.perCredential.delete(subject);
      else this.perCredential.set(subject, left);
    };
  }

  /** Streams open now. */
  get size(): number {
    return this.total;
  }
}

/**
 * The credential a stream opened with, presented again before a push: the reason to end the stream when it no
 * longer passes (revoked, expired, refused) or now grants another site or role; undefined while it holds. A check
 * that could not be made (the database or JWKS unreachable, the address refused for others' failures) is no
 * reason: the stream goes on, as a request would be answered 503 or 429 without refusing the credential.
 */
export async function streamCredentialProblem(
  authenticator: Authenticator,
  authorization: string | undefined,
  address: string,
  opened: Principal,
): Promise<string | undefined> {
  let now: Principal;
  try {
    now = await authenticator.authenticate(authorization, address);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthenticated') {
      return `the stream's credential no longer passes: ${error.message}`;
    }
    return undefined;
  }
  if (now.subject !== opened.subject || now.site !== opened.site || now.role !== opened.role) {
    return `the stream's credential now grants ${now.role} of ${now.site}, not ${opened.role} of ${opened.site}: open the stream again`;
  }
  return undefined;
}
