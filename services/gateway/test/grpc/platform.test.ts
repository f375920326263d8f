// What the gRPC listener serves besides kiln.v1: health (grpc.health.v1) and server reflection, both without
// credentials; and stopping it ends open live streams and turns health NOT_SERVING.
import { dirname, join } from 'node:path';
import {
  loadPackageDefinition,
  status,
  type Client,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { KILN_SERVICE_NAMES, startGrpcServer } from '../../src/grpc/server';
import { PRESS, seedPlant } from './fixture';
import { bearer, grpcHarness, insecure, messagesOf, quietLogger, type GrpcHarness } from './support';

interface HealthClient extends Client {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response: { status: string }) => void,
  ): void;
  watch(request: { service: string }): NodeJS.ReadableStream;
}

interface ReflectionClient extends Client {
  serverReflectionInfo(): ClientDuplexStream<
    { list_services: string },
    { list_services_response?: { service: { name: string }[] } }
  >;
}

type ClientConstructor<T> = new (address: string, credentials: ReturnType<typeof insecure>) => T;

function healthClient(address: string): HealthClient {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, { keepCase: true, enums: String }));
  const health = (definition['grpc'] as Record<string, Record<string, Record<string, unknown>>>)['health']?.[
    'v1'
  ];
  return new (health?.['Health'] as ClientConstructor<HealthClient>)(address, insecure());
}

function reflectionClient(address: string): ReflectionClient {
  const root = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
  const definition = loadPackageDefinition(
    loadSync(join(root, 'grpc/reflection/v1/reflection.proto'), { keepCase: true, includeDirs: [root] }),
  );
  const reflection = (definition['grpc'] as Record<string, Record<string, Record<string, unknown>>>)[
    'reflection'
  ]?.['v1'];
  return new (reflection?.['ServerReflection'] as ClientConstructor<ReflectionClient>)(address, insecure());
}

const check = (client: HealthClient, service: string): Promise<string> =>
  new Promise((resolve, reject) =>
    client.check({ service }, (error, response) =>
      error === null ? resolve(response.status) : reject(error),
    ),
  );

describeWith(['postgres'], 'gRPC health, reflection and shutdown', () => {
  let h: GrpcHarness;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('answers SERVING for the server and each kiln.v1 service, without credentials', async () => {
    const client = healthClient(h.address);
    try {
      expect(await check(client, '')).toBe('SERVING');
      for (const name of KILN_SERVICE_NAMES) expect(await check(client, name)).toBe('SERVING');
      await expect(check(client, 'kiln.v1.Nothing')).rejects.toMatchObject({ code: status.NOT_FOUND });
    } finally {
      client.close();
    }
  });

  it('lists the kiln.v1 services through reflection, without credentials', async () => {
    const client = reflectionClient(h.address);
    try {
      const call = client.serverReflectionInfo();
      const names = await new Promise<string[]>((resolve, reject) => {
        call.once('data', (response) =>
          resolve(
            (response.list_services_response?.service ?? []).map((service: { name: string }) => service.name),
          ),
        );
        call.once('error', reject);
        call.write({ list_services: '' });
      });
      call.end();
      expect(names).toEqual(expect.arrayContaining([...KILN_SERVICE_NAMES]));
    } finally {
      client.close();
    }
  });

  it('ends live streams and turns health NOT_SERVING when stopped', async () => {
    const server = await startGrpcServer({
      api: h.api,
      host: '127.0.0.1',
      port: 0,
      logger: quietLogger(),
      livePollMs: { telemetry: 50 },
    });
    const address = `127.0.0.1:${server.port}`;
    const telemetry = new api.TelemetryServiceClient(address, insecure());
    const health = healthClient(address);
    try {
      const stream = telemetry.streamLive(
        { signals: [{ assetId: PRESS, signal: 'temperature' }] },
        bearer(h.keys.plant1Reader),
      );
      await messagesOf(stream).next();
      const watched: string[] = [];
      const watch = health.watch({ service: '' });
      watch.on('data', (message: { status: string }) => watched.push(message.status));
      watch.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ended = new Promise<number>((resolve) =>
        stream.on('status', (s: { code: number }) => resolve(s.code)),
      );
      const started = Date.now();
      await server.stop();
      expect(await ended).toBe(status.OK);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    } finally {
      telemetry.close();
      health.close();
      await server.stop();
    }
  });
});
