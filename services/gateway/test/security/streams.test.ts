// Live streams against real PostgreSQL and Redis, over real HTTP and gRPC: a revoked key ends an open stream with
// its reason (issue 18: 30 of 30 updates still arrived after revocation), and streams are capped per credential
// and in all (429 / RESOURCE_EXHAUSTED), a slot given back when its stream ends.
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import { assetPath, restHarness, type RestHarness } from '../support/harness';
import { bearer, insecure } from '../grpc/support';

const MACHINE = 'acme/plant-1/assembly/line-1/m1';
const LEVELS: [string, string][] = [
  ['acme', 'enterprise'],
  ['acme/plant-1', 'site'],
  ['acme/plant-1/assembly', 'area'],
  ['acme/plant-1/assembly/line-1', 'line'],
  [MACHINE, 'asset'],
];

/** The events of a server-sent event stream as they arrive: `next()` resolves with the next whole event. */
function eventsOf(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return {
    async next(timeoutMs = 10_000): Promise<{ event: string; data: unknown } | 'closed'> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const cut = buffered.indexOf('\n\n');
        if (cut >= 0) {
          const block = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
          return { event, data: JSON.parse(data) as unknown };
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no event in time');
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no event in time')), left);
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) return 'closed';
        buffered += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

/** How a gRPC stream ended: its status code and details (waits at most `timeoutMs`). */
function endOf(stream: ClientReadableStream<unknown>, timeoutMs = 10_000): Promise<ServiceError | 'ok'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream did not end')), timeoutMs);
    stream.on('data', () => undefined);
    stream.on('error', (error: ServiceError) => {
      clearTimeout(timer);
      resolve(error);
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve('ok');
    });
  });
}

describeWith(['postgres', 'redis'], 'live streams', () => {
  let h: RestHarness;
  let base: string;
  let telemetry: api.TelemetryServiceClient;
  const temperature = { assetId: MACHINE, signal: 'temperature' };

  beforeAll(async () => {
    h = await restHarness({ section: { streams: { max: 3, maxPerCredential: 2 } } });
    for (const [id, level] of LEVELS) {
      expect((await h.call('PUT', assetPath(id), { body: { name: id, level } })).statusCode).toBe(200);
    }
    const writer = new HistorianWriter(h.database.db, { schema: h.database.schema });
    await writer.upsertSignals([{ assetId: MACHINE, name: 'temperature', unit: 'Cel' }]);
    await writer.writeNamedTelemetry([
      {
        signal: { assetId: MACHINE, name: 'temperature' },
        timeUs: Date.now() * 1000,
        value: 20,
        valueText: null,
        quality: 1,
      },
    ]);
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    telemetry = new api.TelemetryServiceClient(h.grpcAddress, insecure());
  });
  afterAll(async () => {
    telemetry.close();
    await h.stop();
  });

  const openSse = (key: string) =>
    fetch(`${base}/api/v1/stream?assetId=${encodeURIComponent(MACHINE)}&intervalS=1`, {
      headers: { authorization: `Bearer ${key}` },
    });

  it('ends a server-sent event stream whose key is revoked, saying why', async () => {
    const key = await h.keys.create('acme/plant-1', 'reader', 'revoked while streaming');
    const response = await openSse(key.token);
    expect(response.status).toBe(200);
    const events = eventsOf(response.body as ReadableStream<Uint8Array>);
    expect(await events.next()).toMatchObject({ event: 'snapshot' });
    expect(await events.next()).toMatchObject({ event: 'snapshot' });
    expect(await h.keys.revoke(key.id)).toBe(true);
    // At most one snapshot may already be on its way; then the reason, then the end.
    let next = await events.next();
    if (next !== 'closed' && next.event === 'snapshot') next = await events.next();
    expect(next).toEqual({
      event: 'problem',
      data: {
        status: 401,
        title: 'unauthenticated',
        detail: "the stream's credential no longer passes: the API key is not valid (unknown or revoked)",
      },
    });
    expect(await events.next()).toBe('closed');
  });

  it('ends a gRPC live stream whose key is revoked with UNAUTHENTICATED', async () => {
    const key = await h.keys.create('acme/plant-1', 'reader', 'revoked while streaming over gRPC');
    const stream = telemetry.streamLive(
      api.StreamLiveRequest.fromPartial({ signals: [temperature] }),
      bearer(key.token),
    );
    const ended = endOf(stream);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    expect(await h.keys.revoke(key.id)).toBe(true);
    // The next message (a changed value) is where the credential is presented again.
    await new HistorianWriter(h.database.db, { schema: h.database.schema }).writeNamedTelemetry([
      {
        signal: { assetId: MACHINE, name: 'temperature' },
        timeUs: Date.now() * 1000,
        value: 21,
        valueText: null,
        quality: 1,
      },
    ]);
    const end = await ended;
    expect(end).not.toBe('ok');
    expect((end as ServiceError).code).toBe(status.UNAUTHENTICATED);
    expect((end as ServiceError).details).toMatch(/no longer passes: the API key is not valid/);
  });

  it('caps the streams of a credential and of the gateway, and gives a slot back when its stream ends', async () => {
    const key = (await h.keys.create('acme/plant-1', 'reader', 'many streams')).token;
    const other = (await h.keys.create('acme/plant-1', 'reader', 'another client')).token;
    const first = await openSse(key);
    const second = await openSse(key);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openSse(key);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect(await third.json()).toMatchObject({
      status: 429,
      detail: expect.stringMatching(
        /this credential has 2 live streams open, its most \(gateway\.streams\.maxPerCredential\)/,
      ),
    });
    // gRPC counts against the same slots.
    const refused = await endOf(
      telemetry.streamLive(api.StreamLiveRequest.fromPartial({ signals: [temperature] }), bearer(key)),
    );
    expect((refused as ServiceError).code).toBe(status.RESOURCE_EXHAUSTED);
    // Another credential takes the gateway's last slot; then the gateway is full for everyone.
    const others = await openSse(other);
    expect(others.status).toBe(200);
    const full = await openSse(other);
    expect(full.status).toBe(429);
    expect(((await full.json()) as { detail: string }).detail).toMatch(/the gateway has 3 live streams open/);
    // A client that leaves gives its slot back.
    await first.body?.cancel();
    let again = await openSse(key);
    for (let i = 0; again.status === 429 && i < 50; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await openSse(key);
    }
    expect(again.status).toBe(200);
    for (const open of [second, others, again]) await open.body?.cancel();
  });
});
