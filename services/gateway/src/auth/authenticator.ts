// From a presented bearer credential to a principal: an API key (looked up by hash) or, when an issuer is
// configured, a JWT. Anything else is refused with a reason that does not reveal which keys exist.
import { unauthenticated } from '../errors';
import type { ApiKeyStore } from './api-keys';
import { JwtRefusedError, type JwtVerifier } from './jwt';
import type { Principal } from './principal';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export class Authenticator {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly jwt?: JwtVerifier,
  ) {}

  /** `authorization` is the header (REST) or metadata value (gRPC): `Bearer <token>`. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') {
      throw unauthenticated('no credentials: send "Authorization: Bearer <API key or token>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    if (token === undefined)
      throw unauthenticated('the Authorization header is not "Bearer <API key or token>"');
    if (this.jwt !== undefined && JWT_SHAPE.test(token)) {
      try {
        return await this.jwt.verify(token);
      } catch (error) {
        // An unreachable JWKS (ApiError "unavailable") is not the caller's fault: it passes through as 503.
        if (error instanceof JwtRefusedError)
          throw unauthenticated(`the token was refused: ${error.message}`);
        throw error;
      }
    }
    const principal = await this.keys.verify(token);
    if (principal === undefined) throw unauthenticated('the API key is not valid (unknown or revoked)');
    return principal;
  }
}
