// The gRPC listener of the gateway: the kiln.v1 services (each call authenticated, see call.ts), grpc.health.v1
// and server reflection of the real proto files (descriptor-set.ts); both without credentials: they tell nothing
// about plant data. TLS from PEM files, mutual TLS when client certificates are required; insecure otherwise
// (behind a mesh or on localhost).
import { readFileSync } from 'node:fs';
import {
  Server,
  ServerCredentials,
  type handleServerStreamingCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { api } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { GatewayApi } from '../api';
import type { GatewayMetrics } from '../metrics';
import { FixedWindowRateLimiter, type RateLimitSettings } from '../auth/rate-limiter';
import { alertService } from './alert-service';
import { assetService } from './asset-service';
import { LiveStreams, type GrpcHandlerContext } from './call';
import { machineStateService } from './machine-state-service';
import { oeeService } from './oee-service';
import { reflectionPackageDefinition } from './descriptor-set';
import { withRequestDecodingChecked } from './request-checks';
import { telemetryService } from './telemetry-service';

export interface GrpcTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA of client certificates; needed with requireClientCert. */
  readonly caFile?: string;
  readonly requireClientCert: boolean;
}

export interface GrpcServerOptions {
  readonly api: GatewayApi;
  readonly host: string;
  /** 0: any free port (see GrpcServer.port). */
  readonly port: number;
  readonly tls?: GrpcTlsOptions;
  readonly logger: Logger;
  /** Health turns NOT_SERVING while this fails (checked every healthCheckMs). */
  readonly pingDatabase?: () => Promise<void>;
  readonly healthCheckMs?: number;
  /** Request metrics (shared with REST). */
  readonly metrics?: GatewayMetrics;
  /** Poll intervals of the live streams (defaults 1 s telemetry, 2 s OEE). */
  readonly livePollMs?: { readonly telemetry?: number; readonly oee?: number };
  /** How long stop() lets calls in flight finish before cutting them. */
  readonly shutdownTimeoutMs?: number;
  /** Calls per credential and window (`gateway.rateLimit`, as REST); absent or max 0: no limit. */
  readonly rateLimit?: RateLimitSettings;
}

export interface GrpcServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** The fully-qualified names of the kiln.v1 services, as health and reflection know them. */
export const KILN_SERVICE_NAMES = [
  'kiln.v1.AssetService',
  'kiln.v1.TelemetryService',
  'kiln.v1.OeeService',
  'kiln.v1.MachineStateService',
  'kiln.v1.AlertService',
] as const;

function credentialsOf(tls: GrpcTlsOptions | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  if (tls.requireClientCert && tls.caFile === undefined) {
    throw new Error(
      'gateway.grpc.tls.requireClientCert needs gateway.grpc.tls.caFile (the CA of client certificates)',
    );
  }
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(
        `gateway.grpc.tls.${key}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  return ServerCredentials.createSsl(
    tls.caFile === undefined ? null : read(tls.caFile, 'caFile'),
    [{ cert_chain: read(tls.certFile, 'certFile'), private_key: read(tls.keyFile, 'keyFile') }],
    tls.requireClientCert,
  );
}

const addressOf = (host: string, port: number): string =>
  host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error === null) resolve(port);
      else reject(new Error(`gRPC cannot listen on ${address}: ${error.message}`));
    });
  });
}

/** A server stream of another library, ended (OK) when the server stops. */
function endedOnStop<Request, Response>(
  streams: LiveStreams,
  handler: handleServerStreamingCall<Request, Response>,
): handleServerStreamingCall<Request, Response> {
  return (call) => {
    const signal = streams.register(call as Parameters<LiveStreams['register']>[0]);
    signal.addEventListener('abort', () => {
      if (!call.cancelled && !call.writableEnded) call.end();
    });
    handler(call);
  };
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const { logger } = options;
  const credentials = credentialsOf(options.tls);
  const streams = new LiveStreams();
  const context: GrpcHandlerContext = {
    api: options.api,
    logger,
    streams,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.livePollMs === undefined ? {} : { livePollMs: options.livePollMs }),
    ...(options.rateLimit === undefined || options.rateLimit.max === 0
      ? {}
      : { rateLimiter: new FixedWindowRateLimiter(options.rateLimit) }),
  };
  const server = new Server();
  server.addService(withRequestDecodingChecked(api.AssetServiceService), assetService(context));
  server.addService(withRequestDecodingChecked(api.TelemetryServiceService), telemetryService(context));
  server.addService(withRequestDecodingChecked(api.OeeServiceService), oeeService(context));
  server.addService(withRequestDecodingChecked(api.MachineStateServiceService), machineStateService(context));
  server.addService(withRequestDecodingChecked(api.AlertServiceService), alertService(context));

  const health = new HealthImplementation({});
  const setHealth = (status: ServingStatus): void => {
    for (const name of ['', ...KILN_SERVICE_NAMES]) health.setStatus(name, status);
  };
  setHealth('SERVING');
  // Health watches are streams that never end by themselves: end them on stop like the live streams, after the
  // NOT_SERVING they are sent, so that shutdown does not wait for their clients.
  health.addToServer({
    addService: (service, implementation) => {
      const watch = implementation['watch'] as handleServerStreamingCall<unknown, unknown> | undefined;
      server.addService(
        service as unknown as ServiceDefinition,
        {
          ...implementation,
          ...(watch === undefined ? {} : { watch: endedOnStop(streams, watch) }),
        } as UntypedServiceImplementation,
      );
    },
  });
  new ReflectionService(reflectionPackageDefinition()).addToServer(server);

  let stopped = false;
  let healthTimer: NodeJS.Timeout | undefined;
  const { pingDatabase } = options;
  if (pingDatabase !== undefined) {
    let healthy = true;
    const check = async (): Promise<void> => {
      const ok = await pingDatabase().then(
        () => true,
        (error: unknown) => {
          if (healthy) logger.warn({ err: error }, 'gRPC health: the database does not answer; NOT_SERVING');
          return false;
        },
      );
      if (stopped || ok === healthy) return;
      healthy = ok;
      if (ok) logger.info('gRPC health: the database answers again; SERVING');
      setHealth(ok ? 'SERVING' : 'NOT_SERVING');
    };
    await check();
    healthTimer = setInterval(() => void check(), options.healthCheckMs ?? 5_000);
    healthTimer.unref();
  }

  const port = await bind(server, addressOf(options.host, options.port), credentials);
  logger.info({ host: options.host, port, tls: options.tls !== undefined }, 'gRPC server listening');

  return {
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(healthTimer);
      setHealth('NOT_SERVING');
      streams.closeAll();
      const timeoutMs = options.shutdownTimeoutMs ?? 5_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs }, 'gRPC calls still running at shutdown were cut');
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
