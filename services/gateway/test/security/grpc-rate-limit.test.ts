// gRPC calls limited per credential like REST requests: past `max` calls in the window a key's unary calls and
// streams end with RESOURCE_EXHAUSTED saying the limit and when to retry, other keys are unaffected.
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { startGrpcServer, type GrpcServer } from '../../src/grpc/server';
import { PRESS, seedPlant } from '../grpc/fixture';
import {
  bearer,
  failure,
  grpcHarness,
  insecure,
  invoke,
  messagesOf,
  quietLogger,
  type GrpcHarness,
} from '../grpc/support';

describeWith(['postgres'], 'gRPC rate limiting', () => {
  let h: GrpcHarness;
  let server: GrpcServer;
  let assets: api.AssetServiceClient;
  let telemetry: api.TelemetryServiceClient;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    server = await startGrpcServer({
      api: h.api,
      host: '127.0.0.1',
      port: 0,
      logger: quietLogger(),
      rateLimit: { max: 3, windowMs: 60_000 },
      livePollMs: { telemetry: 50 },
      shutdownTimeoutMs: 500,
    });
    const address = `127.0.0.1:${server.port}`;
    assets = new api.AssetServiceClient(address, insecure());
    telemetry = new api.TelemetryServiceClient(address, insecure());
  });

  afterAll(async () => {
    assets?.close();
    telemetry?.close();
    await server?.stop();
    await h?.stop();
  });

  const getPress = (key: string): Promise<api.GetAssetResponse> =>
    invoke(assets.getAsset.bind(assets), { assetId: PRESS }, key);

  it('answers RESOURCE_EXHAUSTED to the fourth call of a key allowed three, other keys unaffected', async () => {
    const key = h.keys.plant1Reader;
    for (let i = 0; i < 3; i += 1) expect((await getPress(key)).asset?.id).toBe(PRESS);
    const error = await failure(getPress(key));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(
      /^rate limit of 3 requests per 60 s reached for this credential; retry in \d+ s$/,
    );
    const retryAfter = Number(error.metadata.get('retry-after')[0]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await getPress(h.keys.plant1Admin)).asset?.id).toBe(PRESS);
  });

  it('refuses a stream of a key past its limit with RESOURCE_EXHAUSTED', async () => {
    const stream = telemetry.streamLive(
      { signals: [{ assetId: PRESS, signal: 'temperature' }] },
      bearer(h.keys.plant1Reader),
    );
    const error = await messagesOf(stream)
      .next()
      .then(
        () => undefined,
        (e: ServiceError) => e,
      );
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('counts a stream once, when it opens', async () => {
    const key = h.keys.plant1Operator;
    const stream = telemetry.streamLive(
      { signals: [{ assetId: PRESS, signal: 'temperature' }] },
      bearer(key),
    );
    const messages = messagesOf(stream);
    await messages.next();
    // Polls of the open stream (every 50 ms) must not count.
    await new Promise((resolve) => setTimeout(resolve, 300));
    stream.cancel();
    expect((await getPress(key)).asset?.id).toBe(PRESS);
    expect((await getPress(key)).asset?.id).toBe(PRESS);
    expect((await failure(getPress(key))).code).toBe(status.RESOURCE_EXHAUSTED);
  });
});
