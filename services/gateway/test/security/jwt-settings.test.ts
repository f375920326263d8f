// JWT settings are closed by default (issue 18): the JWKS comes over https (http to a loopback address only), and
// an audience is required. Refused at start with the setting named.
import { jwksUrlProblem, JwtVerifier } from '../../src/auth/jwt';
import { gatewaySectionSchema } from '../../src/config';

const jwt = (overrides: Record<string, unknown>) => ({
  auth: {
    jwt: {
      issuer: 'https://idp.example.com/',
      jwksUrl: 'https://idp.example.com/.well-known/jwks.json',
      audience: 'kiln-api',
      ...overrides,
    },
  },
});

const problems = (section: unknown): string[] => {
  const parsed = gatewaySectionSchema.safeParse(section);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('JWT settings', () => {
  it('take an https JWKS, and http only to a loopback address', () => {
    expect(problems(jwt({}))).toEqual([]);
    for (const url of [
      'http://127.0.0.1:8443/jwks.json',
      'http://localhost/jwks.json',
      'http://[::1]:9000/jwks',
    ]) {
      expect(problems(jwt({ jwksUrl: url }))).toEqual([]);
    }
    expect(problems(jwt({ jwksUrl: 'http://idp.example.com/.well-known/jwks.json' }))).toEqual([
      'auth.jwt.jwksUrl: must be an https URL (http only to a loopback address: 127.0.0.0/8, [::1], localhost), got http://idp.example.com',
    ]);
    // A name that only starts like a loopback one is another host.
    expect(problems(jwt({ jwksUrl: 'http://127.0.0.1.evil.example/jwks' }))).toHaveLength(1);
    expect(problems(jwt({ jwksUrl: 'http://localhost.evil.example/jwks' }))).toHaveLength(1);
    expect(jwksUrlProblem('ftp://idp.example.com/jwks')).toMatch(/^must be an https URL/);
  });

  it('require an audience', () => {
    expect(problems(jwt({ audience: undefined }))).toEqual([
      'auth.jwt.audience: Invalid input: expected string, received undefined',
    ]);
    expect(problems(jwt({ audience: '' }))).toHaveLength(1);
  });

  it('are checked again where a verifier is made from settings not parsed', () => {
    const settings = {
      issuer: 'https://idp.example.com/',
      jwksUrl: 'http://idp.example.com/jwks',
      audience: 'kiln-api',
      siteClaim: 'kiln_site',
      roleClaim: 'kiln_role',
    };
    expect(() => new JwtVerifier(settings)).toThrow(/^gateway\.auth\.jwt\.jwksUrl must be an https URL/);
    expect(
      () => new JwtVerifier({ ...settings, jwksUrl: 'https://idp.example.com/jwks', audience: ' ' }),
    ).toThrow('gateway.auth.jwt.audience must name this API');
  });
});
