// Configuration of the gateway: the service kit's sections, the bus (to publish posted events and stop reasons),
// the database, Redis (live OEE), the OEE section it shares with the OEE service (calendar, settings) and its
// own section: listeners, TLS, authentication, rate limits and request limits. Precedence: defaults < YAML
// (KILN_CONFIG / --config) < KILN_* env.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { oeeSectionEnvMap, oeeSectionSchema } from '@kiln/oee-store';
import { httpConfigSchema, loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { databaseConfigSchema, redisConfigSchema, storageEnvMap } from '@kiln/timeseries';
import { z } from 'zod';
import { MAX_FAILURE_WINDOW_MS } from './auth/failure-limiter';
import { jwksUrlProblem } from './auth/jwt';
import { MAX_LATEST_AGE_MS } from './domain/latest-cache';
import { MAX_WINDOWS } from './domain/oee';

const tlsSchema = z.strictObject({
  /** PEM files of the server's certificate chain and private key. */
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
});

export const gatewaySectionSchema = z.strictObject({
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      tls: tlsSchema.optional(),
    })
    .prefault({}),
  grpc: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(50051),
      tls: tlsSchema
        .extend({
          /** PEM file of the CA that signs client certificates; with requireClientCert: mutual TLS. */
          caFile: z.string().min(1).optional(),
          requireClientCert: z.boolean().default(false),
        })
        .optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Seeds this admin key (every site) at start; at least 24 characters. */
      adminApiKey: z.string().min(24).optional(),
      /** How long a verified API key is trusted before it is looked up again (revocation delay). */
      keyCacheMs: z.number().int().min(0).default(30_000),
      /** Serve /openapi.json and /docs without credentials (they describe the API, not data). */
      publicDocs: z.boolean().default(true),
      /**
       * Failed authentications per client address (shared by the replicas through Redis when it is configured):
       * past `max` in `windowMs` the address is refused with 429 before any lookup; from the fourth failure each
       * refusal waits `slowDownMs`, doubled at each further one up to 4 s. `max` 0 turns it off.
       */
      failures: z
        .strictObject({
          max: z.number().int().min(0).default(20),
          windowMs: z.number().int().positive().max(MAX_FAILURE_WINDOW_MS).default(300_000),
          slowDownMs: z.number().int().min(0).max(4_000).default(250),
        })
        .prefault({}),
      jwt: z
        .strictObject({
          issuer: z.string().min(1),
          /** https (http only to a loopback address): the keys that decide who may call. */
          jwksUrl: z.url().superRefine((url, context) => {
            const problem = jwksUrlProblem(url);
            if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
          }),
          /** The audience (`aud`) tokens must name: required, or a token for any application of the issuer passes. */
          audience: z.string().min(1),
          siteClaim: z.string().min(1).default('kiln_site'),
          roleClaim: z.string().min(1).default('kiln_role'),
        })
        .optional(),
    })
    .prefault({}),
  rateLimit: z
    .strictObject({
      /** Requests per key (or per client address before authentication) and window; 0 turns it off. */
      max: z.number().int().min(0).default(1200),
      windowMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  streams: z
    .strictObject({
      /**
       * Live streams (GET /api/v1/stream, gRPC StreamLive and StreamLiveOee) open at most, all credentials
       * together; each polls the database or Redis every interval while it is open.
       */
      max: z.number().int().min(0).default(500),
      /** Live streams one credential (key or token subject) may hold open at once. */
      maxPerCredential: z.number().int().min(1).default(20),
    })
    .prefault({}),
  latest: z
    .strictObject({
      /**
       * Latest values (GET /api/v1/telemetry/latest, gRPC GetLatest) read from Redis at most this long ago are
       * answered from the gateway's memory, unless a request asks for another maxAge; 0: every request reads Redis.
       */
      maxAgeMs: z.number().int().min(0).max(MAX_LATEST_AGE_MS).default(500),
      /** A remembered value at least this old is read again in the background when it is served. */
      refreshAfterMs: z.number().int().min(0).default(100),
      /** Signals remembered at most; 0 turns the memory off. */
      cacheSignals: z.number().int().min(0).max(10_000_000).default(100_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Longest time range of one query. */
      maxRangeDays: z.number().positive().default(366),
      /** Most telemetry buckets (signals x buckets) of one query. */
      maxBuckets: z.number().int().positive().default(200_000),
      /**
       * Most OEE windows one query computes, all its machines together (windows x machines): a site's hourly
       * OEE over a month is 720 x its machines.
       */
      maxOeeWindows: z.number().int().positive().max(1_000_000).default(MAX_WINDOWS),
      /**
       * How far from the gateway's clock posted machine states and production counts may be stamped: older or
       * later is refused (400) as a broken clock or a typo, before it reaches the OEE service.
       */
      liveEventWindow: z
        .strictObject({
          pastDays: z.number().positive().default(366),
          futureHours: z.number().min(0).default(24),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** The gateway process's own ops endpoints (unauthenticated /metrics for Prometheus, probes): apart from REST. */
export const DEFAULT_OPS_PORT = 9464;

export const gatewayConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  http: httpConfigSchema
    .extend({ port: httpConfigSchema.shape.port.unwrap().default(DEFAULT_OPS_PORT) })
    .prefault({}),
  bus: busConfigSchema.prefault({}),
  database: databaseConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  oee: oeeSectionSchema.prefault({}),
  gateway: gatewaySectionSchema.prefault({}),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewaySection = z.output<typeof gatewaySectionSchema>;

/**
 * Environment names (after `KILN_`) of the gateway section that mean the same in its own process and in
 * `kiln start`. Its REST listener is not among them: alone it is KILN_HTTP_HOST / KILN_HTTP_PORT (the ops
 * endpoints then listen on KILN_OPS_HOST / KILN_OPS_PORT); in `kiln start` the REST listener is `http.*`.
 */
export const gatewaySectionEnvMap = {
  GRPC_HOST: 'gateway.grpc.host',
  GRPC_PORT: 'gateway.grpc.port',
  ADMIN_API_KEY: 'gateway.auth.adminApiKey',
  JWT_ISSUER: 'gateway.auth.jwt.issuer',
  JWT_JWKS_URL: 'gateway.auth.jwt.jwksUrl',
  JWT_AUDIENCE: 'gateway.auth.jwt.audience',
  RATE_LIMIT_MAX: 'gateway.rateLimit.max',
  AUTH_FAILURES_MAX: 'gateway.auth.failures.max',
  LATEST_MAX_AGE_MS: 'gateway.latest.maxAgeMs',
} as const satisfies Record<string, string>;

export const gatewayEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  ...storageEnvMap,
  ...oeeSectionEnvMap,
  OPS_HOST: 'http.host',
  OPS_PORT: 'http.port',
  HTTP_HOST: 'gateway.http.host',
  HTTP_PORT: 'gateway.http.port',
  ...gatewaySectionEnvMap,
} as const satisfies Record<string, string>;

export function loadGatewayConfig(file: string | undefined, env: NodeJS.ProcessEnv): GatewayConfig {
  return loadConfig({
    schema: gatewayConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: gatewayEnvMap,
    envPrefix: 'KILN_',
  });
}
