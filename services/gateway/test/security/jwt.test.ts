// JWT bearer tokens over REST and gRPC against a local identity provider: an RS256 key pair whose public half is
// served as a JWKS over http. A valid token reads within its site and role; another site's token and a reader's
// post are forbidden; expired, foreign-issuer, foreign-audience, unexpiring, foreign-key and malformed-claim tokens
// are unauthenticated with the reason; API keys keep working alongside; an unreachable JWKS is "unavailable".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { createMetricsRegistry } from '@kiln/service-kit';
import { describeWith } from '@kiln/test-infra';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { createGatewayApi } from '../../src/api';
import { ApiKeyStore } from '../../src/auth/api-keys';
import { Authenticator } from '../../src/auth/authenticator';
import { JwtVerifier, type JwtSettings } from '../../src/auth/jwt';
import { gatewaySectionSchema } from '../../src/config';
import { ApiError } from '../../src/errors';
import { startGrpcServer, type GrpcServer } from '../../src/grpc/server';
import { buildRestServer } from '../../src/rest/server';
import { PLANT2_PRESS, PRESS, seedPlant } from '../grpc/fixture';
import { failure, grpcHarness, insecure, invoke, quietLogger, type GrpcHarness } from '../grpc/support';

const ISSUER = 'https://idp.kiln.test/';
const AUDIENCE = 'kiln-api';

interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; null: no `exp` claim. */
  readonly expiresInS?: number | null;
  readonly key?: KeyLike;
  readonly kid?: string;
  /** null: no `sub` claim. */
  readonly subject?: string | null;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));

describeWith(['postgres'], 'JWT bearer tokens', () => {
  let h: GrpcHarness;
  let jwks: Server;
  let settings: JwtSettings;
  let signingKey: KeyLike;
  let foreignKey: KeyLike;
  let app: FastifyInstance;
  let grpc: GrpcServer;
  let assets: api.AssetServiceClient;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    foreignKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'kiln-test-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [publicJwk] }));
    });
    const jwksPort = await listen(jwks);
    settings = {
      issuer: ISSUER,
      jwksUrl: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
      audience: AUDIENCE,
      siteClaim: 'kiln_site',
      roleClaim: 'kiln_role',
    };
    const section = gatewaySectionSchema.parse({ auth: { jwt: settings } });
    const gatewayApi = createGatewayApi({
      db: h.db,
      schema: h.schema,
      bus: h.bus,
      live: h.live,
      oeeSection: h.oeeSection,
      section,
      authenticator: new Authenticator(new ApiKeyStore(h.db, h.schema), new JwtVerifier(settings)),
    });
    app = await buildRestServer({
      api: gatewayApi,
      section,
      logger: quietLogger(),
      registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
      version: '0.0.0-test',
    });
    await app.ready();
    grpc = await startGrpcServer({
      api: gatewayApi,
      host: '127.0.0.1',
      port: 0,
      logger: quietLogger(),
      shutdownTimeoutMs: 500,
    });
    assets = new api.AssetServiceClient(`127.0.0.1:${grpc.port}`, insecure());
  });

  afterAll(async () => {
    assets?.close();
    await grpc?.stop();
    await app?.close();
    if (jwks !== undefined) await close(jwks);
    await h?.stop();
  });

  function token(site: string, role: string, options: TokenOptions = {}): Promise<string> {
    const jwt = new SignJWT({ kiln_site: site, kiln_role: role, ...options.claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'kiln-test-1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt();
    if (options.subject !== null) jwt.setSubject(options.subject ?? `user-${role}@${site}`);
    const expiresInS = options.expiresInS === undefined ? 300 : options.expiresInS;
    if (expiresInS !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS);
    return jwt.sign(options.key ?? signingKey);
  }

  const getRest = (assetId: string, credential: string) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/assets/${encodeURIComponent(assetId)}`,
      headers: { authorization: `Bearer ${credential}` },
    });

  const getGrpc = (assetId: string, credential: string) =>
    invoke(assets.getAsset.bind(assets), { assetId }, credential);

  it('lets a valid token read its site over REST and gRPC', async () => {
    const reader = await token('acme/plant-1', 'reader');
    const rest = await getRest(PRESS, reader);
    expect(rest.statusCode).toBe(200);
    expect(rest.json()).toMatchObject({ id: PRESS });
    expect((await getGrpc(PRESS, reader)).asset?.id).toBe(PRESS);
  });

  it("refuses another site's token with 403 / PERMISSION_DENIED", async () => {
    const stranger = await token('acme/plant-2', 'reader');
    expect((await getRest(PLANT2_PRESS, stranger)).statusCode).toBe(200);
    const rest = await getRest(PRESS, stranger);
    expect(rest.statusCode).toBe(403);
    expect(rest.json()).toMatchObject({ detail: expect.stringMatching(/outside site acme\/plant-2/) });
    const error = await failure(getGrpc(PRESS, stranger));
    expect(error.code).toBe(status.PERMISSION_DENIED);
  });

  it("refuses a reader's posted events with 403 and takes an operator's", async () => {
    const events = {
      events: [{ assetId: PRESS, state: 'RUNNING', startTime: new Date(Date.now() - 60_000).toISOString() }],
    };
    const post = async (credential: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/events/machine-states',
        headers: { authorization: `Bearer ${credential}` },
        payload: events,
      });
    const refused = await post(await token('acme/plant-1', 'reader'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ detail: expect.stringMatching(/needs the operator role/) });
    expect((await post(await token('acme/plant-1', 'operator'))).statusCode).toBe(202);
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    [
      'an expired token',
      () => token('acme/plant-1', 'reader', { expiresInS: -60 }),
      /the token was refused: it expired at \d{4}-\d\d-\d\dT/,
    ],
    [
      'a token of another issuer',
      () => token('acme/plant-1', 'reader', { issuer: 'https://evil.example/' }),
      /the token was refused: its issuer "https:\/\/evil\.example\/" is not "https:\/\/idp\.kiln\.test\/"/,
    ],
    [
      'a token for another audience',
      () => token('acme/plant-1', 'reader', { audience: 'someone-else' }),
      /the token was refused: its audience "someone-else" does not include "kiln-api"/,
    ],
    [
      'a token signed by another key under the same key id',
      () => token('acme/plant-1', 'reader', { key: foreignKey }),
      /the token was refused: it is not signed by a key of the issuer/,
    ],
    [
      'a token signed by a key the JWKS does not list',
      () => token('acme/plant-1', 'reader', { key: foreignKey, kid: 'unknown-key' }),
      /the token was refused: it is not signed by a key of the issuer/,
    ],
    [
      'a token that never expires',
      () => token('acme/plant-1', 'reader', { expiresInS: null }),
      /the token was refused: it has no "exp" claim/,
    ],
    [
      // Issue 18: tokens without a subject shared one identity ("jwt:unknown") and one rate-limit budget.
      'a token without a subject',
      () => token('acme/plant-1', 'reader', { subject: null }),
      /the token was refused: it has no "sub" claim/,
    ],
    [
      'a token with an empty subject',
      () => token('acme/plant-1', 'reader', { subject: '' }),
      /the token was refused: its "sub" claim is empty or not a string/,
    ],
    [
      'a token whose subject is not a string',
      () => token('acme/plant-1', 'reader', { subject: null, claims: { sub: 42 as unknown as string } }),
      /the token was refused: (its "sub" claim is empty or not a string|.*"sub")/,
    ],
    [
      'a token without a valid site',
      () => token('acme', 'reader'),
      /the token was refused: its claim "kiln_site" is not a site id/,
    ],
    [
      'a token without a valid role',
      () => token('acme/plant-1', 'superuser'),
      /the token was refused: its claim "kiln_role" is not one of reader, operator, admin/,
    ],
  ];

  it.each(refusals)('refuses %s with 401 / UNAUTHENTICATED saying why', async (_what, make, reason) => {
    const refused = await make();
    const rest = await getRest(PRESS, refused);
    expect(rest.statusCode).toBe(401);
    expect(rest.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(rest.json()).toMatchObject({ detail: expect.stringMatching(reason) });
    const error = await failure(getGrpc(PRESS, refused));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toMatch(reason);
  });

  it('keeps API keys working alongside JWT', async () => {
    expect((await getRest(PRESS, h.keys.plant1Reader)).statusCode).toBe(200);
    expect((await getGrpc(PRESS, h.keys.plant1Reader)).asset?.id).toBe(PRESS);
    expect((await getRest(PRESS, h.keys.plant2Reader)).statusCode).toBe(403);
    expect((await getRest(PRESS, 'kiln_000000000000_nope')).statusCode).toBe(401);
  });

  it('answers "unavailable", not "unauthenticated", when the JWKS cannot be fetched', async () => {
    const gone = createServer();
    const port = await listen(gone);
    await close(gone);
    const authenticator = new Authenticator(
      new ApiKeyStore(h.db, h.schema),
      new JwtVerifier({ ...settings, jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` }),
    );
    const attempt = authenticator.authenticate(`Bearer ${await token('acme/plant-1', 'reader')}`);
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/keys \(JWKS\) of the issuer .* cannot be fetched; try again later/),
    });
  });
});
