// From a presented bearer credential to a principal: an API key (looked up by hash) or, when an issuer is
// configured, a JWT. Anything else is refused with a reason that does not reveal which keys exist. With a failure
// limiter, an address that failed too often is refused before its credential is looked up or verified.
import { unauthenticated } from '../errors';
import type { ApiKeyStore } from './api-keys';
import type { AuthAttempt, AuthFailureLimiter } from './failure-limiter';
import { JwtRefusedError, type JwtVerifier } from './jwt';
import type { Principal } from './principal';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export class Authenticator {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly jwt?: JwtVerifier,
    private readonly failures?: AuthFailureLimiter,
  ) {}

  /**
   * `authorization` is the header (REST) or metadata value (gRPC): `Bearer <token>`; `address` the client's
   * (the failure limiter counts per address; a missing or malformed header costs no lookup and is not counted).
   */
  async authenticate(authorization: string | undefined, address = 'unknown'): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') {
      throw unauthenticated('no credentials: send "Authorization: Bearer <API key or token>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    if (token === undefined)
      throw unauthenticated('the Authorization header is not "Bearer <API key or token>"');
    const limiter = this.failures;
    if (this.jwt !== undefined && JWT_SHAPE.test(token)) {
      const attempt = await limiter?.attempt(address);
      let principal: Principal;
      try {
        principal = await this.jwt.verify(token);
      } catch (error) {
        // An unreachable JWKS (ApiError "unavailable") is not the caller's fault: it passes through as 503.
        if (error instanceof JwtRefusedError) {
          await attempt?.failed();
          throw unauthenticated(`the token was refused: ${error.message}`);
        }
        await attempt?.succeeded();
        throw error;
      }
      await attempt?.succeeded();
      return principal;
    }
    let attempt: AuthAttempt | undefined;
    let principal: Principal | undefined;
    try {
      principal = await this.keys.verify(
        token,
        limiter === undefined ? undefined : async () => void (attempt = await limiter.attempt(address)),
      );
    } catch (error) {
      // The database did not answer: not the caller's failure (an outage must not lock clients out).
      await attempt?.succeeded();
      throw error;
    }
    if (principal === undefined) {
      await attempt?.failed();
      throw unauthenticated('the API key is not valid (unknown or revoked)');
    }
    await attempt?.succeeded();
    return principal;
  }
}
