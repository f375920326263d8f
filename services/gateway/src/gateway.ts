// The gateway as a library, for its own process (main.ts) and for `kiln start`: seeds the admin key when one is
// configured, then serves REST and gRPC over the same operations until the lifecycle stops it.
import type { EventBus } from '@kiln/bus';
import type { LiveOee, OeeSection } from '@kiln/oee-store';
import { isLoopbackHost, type Logger, type Registry, type ServiceLifecycle } from '@kiln/service-kit';
import type { Database, HotState } from '@kiln/timeseries';
import { createGatewayApi, type GatewayApi, type UnmappedTagView } from './api';
import { ApiKeyStore } from './auth/api-keys';
import { Authenticator } from './auth/authenticator';
import { AuthFailureLimiter, MemoryFailureStore, type FailureStore } from './auth/failure-limiter';
import { JwtVerifier } from './auth/jwt';
import type { GatewaySection } from './config';
import { startGrpcServer } from './grpc/server';
import { createGatewayMetrics } from './metrics';
import { buildRestServer, type ReadinessCheck } from './rest/server';

export interface GatewayDependencies {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Migrated (`migrate` of @kiln/timeseries, version 7 or later) into `schema`. */
  readonly db: Database;
  readonly schema: string;
  /** The OEE service's live results (Redis, or memory in the embedded mode); absent: no live OEE. */
  readonly live?: LiveOee;
  /** Normalization's last value of every signal; absent: latest values are read from the database. */
  readonly hotState?: HotState;
  /** The OEE service's section: the same calendar and settings give the same figures. */
  readonly oeeSection: OeeSection;
  readonly version: string;
  readonly unmapped?: () => UnmappedTagView[];
  readonly readiness?: readonly ReadinessCheck[];
  /** Where failed authentications are counted (Redis: shared by the replicas); absent: this process's memory. */
  readonly failureStore?: FailureStore;
  readonly now?: () => number;
}

export interface Gateway {
  readonly api: GatewayApi;
  readonly keys: ApiKeyStore;
  /** Where REST listens, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  readonly grpcAddress: string;
}

export async function startGateway(
  lifecycle: ServiceLifecycle,
  section: GatewaySection,
  deps: GatewayDependencies,
): Promise<Gateway> {
  const logger = deps.logger.child({ component: 'gateway' });
  const keys = new ApiKeyStore(deps.db, deps.schema, { cacheMs: section.auth.keyCacheMs });
  if (section.auth.adminApiKey !== undefined) {
    const id = await keys.seed(section.auth.adminApiKey, '*', 'admin', 'KILN_ADMIN_API_KEY');
    logger.info({ keyId: id }, 'admin API key from the configuration is stored');
  }
  const jwt = section.auth.jwt === undefined ? undefined : new JwtVerifier(section.auth.jwt);
  const failures = new AuthFailureLimiter(
    deps.failureStore ?? new MemoryFailureStore(),
    section.auth.failures,
  );
  const metrics = createGatewayMetrics(deps.registry);
  const api = createGatewayApi({
    db: deps.db,
    schema: deps.schema,
    bus: deps.bus,
    live: deps.live,
    ...(deps.hotState === undefined ? {} : { hotState: deps.hotState }),
    oeeSection: deps.oeeSection,
    section,
    authenticator: new Authenticator(keys, jwt, failures),
    ...(deps.unmapped === undefined ? {} : { unmapped: deps.unmapped }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    latestServed: (fromMemory, read) => metrics.latestServed(fromMemory, read),
  });

  const rest = await buildRestServer({
    api,
    section,
    logger,
    registry: deps.registry,
    metrics,
    version: deps.version,
    readiness: deps.readiness ?? [
      { name: 'database', check: async () => void (await deps.db.query('SELECT 1')) },
    ],
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  await rest.listen({ host: section.http.host, port: section.http.port });
  lifecycle.add({
    name: 'gateway rest',
    // Its public /readyz answers 503 from the start of shutdown, as the ops server's does, while requests drain.
    markShuttingDown: () => rest.markShuttingDown(),
    stop: () => rest.close(),
  });
  const address = rest.server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : section.http.port;
  const httpUrl = `${section.http.tls === undefined ? 'http' : 'https'}://${section.http.host}:${httpPort}`;

  const grpc = await startGrpcServer({
    api,
    host: section.grpc.host,
    port: section.grpc.port,
    ...(section.grpc.tls === undefined ? {} : { tls: section.grpc.tls }),
    logger,
    pingDatabase: async () => void (await deps.db.query('SELECT 1')),
    metrics,
    rateLimit: section.rateLimit,
  });
  lifecycle.add({ name: 'gateway grpc', stop: () => grpc.stop() });
  const grpcAddress = `${section.grpc.host}:${grpc.port}`;
  logger.info({ rest: httpUrl, grpc: grpcAddress }, 'gateway serving');
  // Beyond this machine without TLS, keys and data cross the network in clear: said at every start (a container
  // must listen on every interface; TLS may be terminated in front of it, which the gateway cannot see).
  for (const [kind, listener] of [
    ['REST', section.http],
    ['gRPC', section.grpc],
  ] as const) {
    if (listener.tls === undefined && !isLoopbackHost(listener.host)) {
      logger.warn(
        { api: kind, host: listener.host },
        `the ${kind} API listens on ${listener.host} without TLS: keys and data cross the network in clear unless ` +
          `TLS is terminated in front of it (gateway.${kind === 'REST' ? 'http' : 'grpc'}.tls)`,
      );
    }
  }
  return { api, keys, httpUrl, grpcAddress };
}
