// Optional JWT bearer tokens from an identity provider: signature checked against the issuer's JWKS (fetched and
// cached by jose), issuer and audience checked, site and role read from configurable claims.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ALL_SITES, ROLES, type Principal } from './principal';

export interface JwtSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience?: string;
  /** Claim holding the site id (`acme/plant-1`) or `*`. */
  readonly siteClaim: string;
  /** Claim holding the role (reader, operator, admin). */
  readonly roleClaim: string;
}

export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwtSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  /** The principal of a valid token; throws jose's error naming what failed otherwise. */
  async verify(token: string): Promise<Principal> {
    const { payload } = await jwtVerify(token, this.keys, {
      issuer: this.settings.issuer,
      ...(this.settings.audience === undefined ? {} : { audience: this.settings.audience }),
    });
    const site = claim(payload, this.settings.siteClaim);
    const role = ROLES.find((candidate) => candidate === claim(payload, this.settings.roleClaim));
    if (site === undefined || (site !== ALL_SITES && !site.includes('/'))) {
      throw new Error(`the token has no site in claim "${this.settings.siteClaim}"`);
    }
    if (role === undefined) {
      throw new Error(`the token's claim "${this.settings.roleClaim}" is not one of ${ROLES.join(', ')}`);
    }
    return { subject: `jwt:${payload.sub ?? 'unknown'}`, site, role, via: 'jwt' };
  }
}

function claim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' ? value : undefined;
}
