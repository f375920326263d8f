// The REST gateway as a test talks to it: real PostgreSQL, live OEE in real Redis, the in-process bus, and the
// OEE service consuming what the gateway publishes, so that posted events come back as states and OEE.
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { OEE_SERVICE_TOPICS, startOee } from '@kiln/oee-service/testing';
import { oeeSectionSchema, openLiveOee } from '@kiln/oee-store';
import { createLogger, createMetricsRegistry, manualLifecycle, type Registry } from '@kiln/service-kit';
import { serviceEndpoints } from '@kiln/test-infra';
import { redisConfigSchema } from '@kiln/timeseries';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createGatewayApi, type UnmappedTagView } from '../../src/api';
import { ApiKeyStore } from '../../src/auth/api-keys';
import { Authenticator } from '../../src/auth/authenticator';
import { gatewaySectionSchema, type GatewaySection } from '../../src/config';
import { startGrpcServer } from '../../src/grpc/server';
import { buildRestServer } from '../../src/rest/server';
import { testDatabase, type TestDatabase } from './db';
import type { RouteValidators } from './route-validators';

export interface RestHarness {
  readonly database: TestDatabase;
  readonly bus: InProcessBus;
  readonly app: FastifyInstance;
  /** The gateway's metrics (REST). */
  readonly registry: Registry;
  /** A gRPC server over the same operations, `127.0.0.1:<port>`. */
  readonly grpcAddress: string;
  readonly keys: ApiKeyStore;
  /** Every site, admin. */
  readonly adminKey: string;
  /** Events handled by the OEE service so far. */
  handled(): Promise<number>;
  call(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

export const quietLogger = () =>
  createLogger({
    service: 'gateway-test',
    level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent',
  });

export async function restHarness(
  options: {
    section?: Partial<GatewaySection>;
    unmapped?: () => UnmappedTagView[];
    /** The gateway's clock (ms): what live event times are judged against. */
    now?: () => number;
    /** false: no OEE service consumes what the gateway publishes (fuzzing posts thousands of batches). */
    consume?: boolean;
    /** Captures the validators the server compiles for its route schemas (fuzzing runs inputs through them). */
    validators?: RouteValidators;
  } = {},
): Promise<RestHarness> {
  const database = await testDatabase();
  const bus = new InProcessBus({ service: 'gateway-test', drainTimeoutMs: 1_000 });
  await bus.provision([...OEE_SERVICE_TOPICS, topics.maintenanceAlert]);
  const lifecycle = manualLifecycle();
  const live = openLiveOee(
    redisConfigSchema.parse({
      url: serviceEndpoints().redisUrl,
      keyPrefix: `kiln-test-${randomBytes(4).toString('hex')}:`,
    }),
  );
  lifecycle.add({ name: 'live', stop: () => live.live.close() });
  const oeeSection = oeeSectionSchema.parse({ groupId: 'oee', closeCheckIntervalMs: 500 });
  const oeeRegistry = createMetricsRegistry({ service: 'oee', processMetrics: false });
  if (options.consume !== false) {
    await startOee(lifecycle, oeeSection, {
      bus,
      logger: quietLogger(),
      registry: oeeRegistry,
      db: database.db,
      schema: database.schema,
      live: live.live,
    });
  }
  const section = { ...gatewaySectionSchema.parse({}), ...options.section };
  const keys = new ApiKeyStore(database.db, database.schema, { cacheMs: section.auth.keyCacheMs });
  const admin = await keys.create('*', 'admin', 'test admin');
  const api = createGatewayApi({
    db: database.db,
    schema: database.schema,
    bus,
    live: live.live,
    oeeSection,
    section,
    authenticator: new Authenticator(keys),
    ...(options.unmapped === undefined ? {} : { unmapped: options.unmapped }),
  });
  const registry = createMetricsRegistry({ service: 'gateway', processMetrics: false });
  const app = await buildRestServer({
    api,
    section,
    logger: quietLogger(),
    registry,
    version: '0.0.0-test',
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (options.validators !== undefined) app.setValidatorCompiler(options.validators.compiler);
  await app.ready();
  const grpc = await startGrpcServer({ api, host: '127.0.0.1', port: 0, logger: quietLogger() });
  return {
    grpcAddress: `127.0.0.1:${grpc.port}`,
    registry,
    database,
    bus,
    app,
    keys,
    adminKey: admin.token,
    handled: async () => {
      const metric = oeeRegistry.getSingleMetric('kiln_oee_events_total');
      return metric === undefined
        ? 0
        : (await metric.get()).values.reduce((sum, value) => sum + value.value, 0);
    },
    call: (method, url, callOptions = {}) => {
      const key = callOptions.key === undefined ? admin.token : callOptions.key;
      return app.inject({
        method,
        url,
        headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...callOptions.headers },
        ...(callOptions.body === undefined ? {} : { payload: callOptions.body as object }),
      });
    },
    stop: async () => {
      await grpc.stop();
      await app.close();
      await lifecycle.stopAll();
      await bus.close();
      await database.drop();
    },
  };
}

/** `/api/v1/assets/acme%2Fplant-1` from an asset id. */
export const assetPath = (assetId: string, suffix = ''): string =>
  `/api/v1/assets/${encodeURIComponent(assetId)}${suffix}`;
