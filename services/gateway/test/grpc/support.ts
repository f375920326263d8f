// The gRPC gateway as a test talks to it: real PostgreSQL (a schema of the test's own), the in-process bus, live
// OEE in memory, a day shift calendar, keys of each role, and a promise-returning way to call a unary method.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentials,
  Metadata,
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { InProcessBus } from '@kiln/bus';
import { topics, type api } from '@kiln/contracts';
import { MemoryLiveOee, oeeSectionSchema, type OeeSection } from '@kiln/oee-store';
import { createLogger, createMetricsRegistry, type Registry } from '@kiln/service-kit';
import { serviceEndpoints } from '@kiln/test-infra';
import { HistorianWriter, type Database } from '@kiln/timeseries';
import { createScratchSchema } from '@kiln/timeseries/testing';
import { createGatewayApi, type GatewayApi } from '../../src/api';
import { ApiKeyStore } from '../../src/auth/api-keys';
import { Authenticator } from '../../src/auth/authenticator';
import { gatewaySectionSchema } from '../../src/config';
import { startGrpcServer, type GrpcServer } from '../../src/grpc/server';
import { createGatewayMetrics } from '../../src/metrics';

export const quietLogger = () =>
  createLogger({
    service: 'gateway-grpc-test',
    level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent',
  });

/** The shift of the test calendar: 06:00-14:00 UTC every day, a break 10:00-10:30. */
export const CALENDAR_YAML = `calendars:
  - shifts:
      - name: early
        start: '06:00'
        end: '14:00'
        days: [sun, mon, tue, wed, thu, fri, sat]
        breaks: [{ start: '10:00', end: '10:30' }]
`;

export interface GrpcHarness {
  readonly db: Database;
  readonly schema: string;
  readonly bus: InProcessBus;
  readonly live: MemoryLiveOee;
  readonly oeeSection: OeeSection;
  readonly api: GatewayApi;
  readonly server: GrpcServer;
  /** The server's request metrics. */
  readonly registry: Registry;
  readonly address: string;
  readonly writer: HistorianWriter;
  readonly keys: {
    /** Every site. */
    readonly admin: string;
    readonly plant1Reader: string;
    readonly plant1Operator: string;
    readonly plant1Admin: string;
    readonly plant2Reader: string;
  };
  stop(): Promise<void>;
}

export async function grpcHarness(): Promise<GrpcHarness> {
  const { db, schema, drop } = await createScratchSchema({
    connectionString: serviceEndpoints().postgresUrl,
    prefix: 't_gwg',
    maxConnections: 6,
  });
  const bus = new InProcessBus({ service: 'gateway-grpc-test', drainTimeoutMs: 1_000 });
  await bus.provision([
    topics.machineState,
    topics.productionCount,
    topics.erpOrder,
    topics.erpShift,
    topics.oee,
    topics.maintenanceAlert,
  ]);
  const calendarDir = mkdtempSync(join(tmpdir(), 'kiln-grpc-'));
  const calendarFile = join(calendarDir, 'calendar.yaml');
  writeFileSync(calendarFile, CALENDAR_YAML);
  const oeeSection = oeeSectionSchema.parse({ calendarFile });
  const live = new MemoryLiveOee();
  const store = new ApiKeyStore(db, schema);
  const api = createGatewayApi({
    db,
    schema,
    bus,
    live,
    oeeSection,
    section: gatewaySectionSchema.parse({}),
    authenticator: new Authenticator(store),
  });
  const registry = createMetricsRegistry({ service: 'gateway-grpc-test', processMetrics: false });
  const server = await startGrpcServer({
    api,
    host: '127.0.0.1',
    port: 0,
    logger: quietLogger(),
    metrics: createGatewayMetrics(registry),
    pingDatabase: async () => {
      await db.query('SELECT 1');
    },
    livePollMs: { telemetry: 100, oee: 100 },
  });
  const token = async (site: string, role: string): Promise<string> => (await store.create(site, role)).token;
  return {
    db,
    schema,
    bus,
    live,
    oeeSection,
    api,
    server,
    registry,
    address: `127.0.0.1:${server.port}`,
    writer: new HistorianWriter(db, { schema }),
    keys: {
      admin: await token('*', 'admin'),
      plant1Reader: await token('acme/plant-1', 'reader'),
      plant1Operator: await token('acme/plant-1', 'operator'),
      plant1Admin: await token('acme/plant-1', 'admin'),
      plant2Reader: await token('acme/plant-2', 'reader'),
    },
    stop: async () => {
      await server.stop();
      await bus.close();
      await drop();
      rmSync(calendarDir, { recursive: true, force: true });
    },
  };
}

export const insecure = () => credentials.createInsecure();

/** Metadata carrying `authorization: Bearer <key>`; none for null. */
export function bearer(key: string | null): Metadata {
  const metadata = new Metadata();
  if (key !== null) metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/** Calls a unary method of a generated client (pass it bound) with a key; rejects with the ServiceError. */
export function invoke<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  key: string | null,
  options: Partial<CallOptions> = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method(request, bearer(key), options, (error, response) => {
      if (error === null) resolve(response);
      else reject(error);
    });
  });
}

/** Epoch microseconds of an ISO time. */
export const us = (iso: string): number => Date.parse(iso) * 1000;

/** The Timestamp of an ISO time (millisecond precision). */
export const ts = (iso: string): api.Timestamp => {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
};

/** The error of a rejected call. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}

/** The messages of a stream, buffered from the start so none is missed between awaits. */
export function messagesOf<T>(stream: ClientReadableStream<T>): { next(): Promise<T> } {
  const buffered: T[] = [];
  const waiting: { resolve: (message: T) => void; reject: (error: Error) => void }[] = [];
  let failed: Error | undefined;
  stream.on('data', (message: T) => {
    const waiter = waiting.shift();
    if (waiter === undefined) buffered.push(message);
    else waiter.resolve(message);
  });
  stream.on('error', (error: Error) => {
    failed = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  });
  return {
    next: () => {
      const message = buffered.shift();
      if (message !== undefined) return Promise.resolve(message);
      if (failed !== undefined) return Promise.reject(failed);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

/** Cancels a stream and resolves with the status the client saw. */
export function cancelled(stream: ClientReadableStream<unknown>): Promise<number> {
  return new Promise((resolve) => {
    stream.once('error', (error: ServiceError) => resolve(error.code));
    stream.cancel();
  });
}
