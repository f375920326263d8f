// Optional JWT bearer tokens from an identity provider: signature checked against the issuer's JWKS (fetched and
// cached by jose), issuer, audience and expiry checked (a token without `exp` is refused: it would never expire),
// site and role read from configurable claims. A refused token says why in words a client can act on; a JWKS
// that cannot be fetched is the identity provider's outage, not the caller's fault, and answers "unavailable".
import { isLoopbackHost } from '@kiln/service-kit';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ApiError } from '../errors';
import { isSiteScope, ROLES, type Principal } from './principal';

export interface JwtSettings {
  readonly issuer: string;
  /** https, or http to this host only (loopback): see jwksUrlProblem. */
  readonly jwksUrl: string;
  /** Required: a token the identity provider issued for another application must not pass here. */
  readonly audience: string;
  /** Claim holding the site id (`acme/plant-1`) or `*`. */
  readonly siteClaim: string;
  /** Claim holding the role (reader, operator, admin). */
  readonly roleClaim: string;
}

/** A token that is not valid for this gateway; the message says why. */
export class JwtRefusedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JwtRefusedError';
  }
}

/**
 * Why a JWKS URL is refused, or undefined: the keys that decide who may call must not come over a network in
 * clear, where anyone on the path could swap in their own. http is accepted to a loopback address only (an
 * identity provider's sidecar, a test), where there is no network path.
 */
export function jwksUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text.slice(0, 200)}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return `must be an https URL (http only to a loopback address: 127.0.0.0/8, [::1], localhost), got ${url.protocol}//${url.host}`;
}

export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwtSettings) {
    const problem = jwksUrlProblem(settings.jwksUrl);
    if (problem !== undefined) throw new Error(`gateway.auth.jwt.jwksUrl ${problem}`);
    if (settings.audience.trim() === '') throw new Error('gateway.auth.jwt.audience must name this API');
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  /**
   * The principal of a valid token. Throws JwtRefusedError naming what failed, or an ApiError of kind
   * `unavailable` when the issuer's JWKS cannot be fetched.
   */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        // `sub` names the caller (logs, audit fields, its own rate-limit budget): without it every such token
        // would be one caller.
        requiredClaims: ['exp', 'sub'],
        audience: this.settings.audience,
      }));
    } catch (error) {
      throw this.explain(error);
    }
    const site = claim(payload, this.settings.siteClaim);
    const role = ROLES.find((candidate) => candidate === claim(payload, this.settings.roleClaim));
    if (site === undefined || !isSiteScope(site)) {
      throw new JwtRefusedError(
        `its claim "${this.settings.siteClaim}" is not a site id such as acme/plant-1 (or * for every site)`,
      );
    }
    if (role === undefined) {
      throw new JwtRefusedError(`its claim "${this.settings.roleClaim}" is not one of ${ROLES.join(', ')}`);
    }
    const subject: unknown = payload.sub;
    if (typeof subject !== 'string' || subject.trim() === '') {
      throw new JwtRefusedError('its "sub" claim is empty or not a string');
    }
    return { subject: `jwt:${subject}`, site, role, via: 'jwt' };
  }

  private explain(error: unknown): Error {
    if (error instanceof errors.JWTExpired) {
      const exp = error.payload.exp;
      return new JwtRefusedError(
        exp === undefined ? 'it has expired' : `it expired at ${new Date(exp * 1000).toISOString()}`,
      );
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      const { claim: name, reason, payload } = error;
      if (name === 'iss') {
        return new JwtRefusedError(
          `its issuer ${JSON.stringify(payload.iss ?? null)} is not ${JSON.stringify(this.settings.issuer)}`,
        );
      }
      if (name === 'aud') {
        return new JwtRefusedError(
          `its audience ${JSON.stringify(payload.aud ?? null)} does not include ${JSON.stringify(this.settings.audience)}`,
        );
      }
      if (reason === 'missing') return new JwtRefusedError(`it has no "${name}" claim`);
      return new JwtRefusedError(`its "${name}" claim is not valid: ${error.message}`);
    }
    if (
      error instanceof errors.JWSSignatureVerificationFailed ||
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JWKSMultipleMatchingKeys
    ) {
      return new JwtRefusedError(`it is not signed by a key of the issuer ${this.settings.issuer}`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      return new JwtRefusedError(`its signing algorithm is not accepted: ${error.message}`);
    }
    if (
      error instanceof errors.JWTInvalid ||
      error instanceof errors.JWSInvalid ||
      error instanceof errors.JWKInvalid
    ) {
      return new JwtRefusedError(`it is malformed: ${error.message}`);
    }
    // What is left is fetching the JWKS: a timeout, a refused connection, an answer other than 200 or not a JWKS.
    // The client is not told the cause (it would name internal hosts).
    return new ApiError(
      'unavailable',
      `the token cannot be checked now: the keys (JWKS) of the issuer ${this.settings.issuer} cannot be fetched; ` +
        'try again later',
    );
  }
}

function claim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' ? value : undefined;
}
