// A live stream respects back-pressure (issue 18: `write()`'s answer was ignored, so a client that stopped reading
// had every update queued for it in the gateway's memory). Real gRPC over HTTP/2, real PostgreSQL: a client reads
// the first message of StreamLive, then stops reading for 8 s while ten text signals of 20 KB change every 100 ms;
// once it reads again, it must get a bounded backlog (what the stream buffers held when writing stopped), not one
// message per poll, and then the current values.
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { PRESS, seedPlant } from '../grpc/fixture';
import { bearer, grpcHarness, insecure, type GrpcHarness } from '../grpc/support';

const SIGNALS = 10;
const TEXT_BYTES = 20_000;
const PAUSED_MS = 8_000;
const POLL_MS = 100;

describeWith(['postgres'], 'live stream back-pressure', () => {
  let h: GrpcHarness;
  let telemetry: api.TelemetryServiceClient;
  const names = Array.from({ length: SIGNALS }, (_, i) => `note-${i}`);

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    await h.writer.upsertSignals(names.map((name) => ({ assetId: PRESS, name, unit: '' })));
    telemetry = new api.TelemetryServiceClient(h.address, insecure());
  });
  afterAll(async () => {
    telemetry.close();
    await h.stop();
  });

  it('holds no more than the stream buffers for a client that stopped reading, then sends the current values', async () => {
    let round = 0;
    const change = async (): Promise<void> => {
      round += 1;
      const text = `${String(round).padStart(6, '0')}:${'x'.repeat(TEXT_BYTES)}`;
      await h.writer.writeNamedTelemetry(
        names.map((name) => ({
          signal: { assetId: PRESS, name },
          timeUs: Date.now() * 1000 + round,
          value: null,
          valueText: text,
          quality: 1,
        })),
      );
    };
    await change();
    const stream: ClientReadableStream<api.StreamLiveResponse> = telemetry.streamLive(
      api.StreamLiveRequest.fromPartial({ signals: names.map((signal) => ({ assetId: PRESS, signal })) }),
      bearer(h.keys.admin),
    );
    const received: api.StreamLiveResponse[] = [];
    stream.on('data', (message: api.StreamLiveResponse) => received.push(message));
    const ended = new Promise<number>((resolve) =>
      stream.on('error', (error: ServiceError) => resolve(error.code)),
    );
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    // The client stops reading; the values change at every poll of the stream.
    stream.pause();
    const writer = setInterval(() => void change(), POLL_MS);
    await new Promise((resolve) => setTimeout(resolve, PAUSED_MS));
    clearInterval(writer);
    const rounds = round;
    const before = received.length;
    stream.resume();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const backlog = received.length - before;
    // About 80 changes were polled while it did not read: the old stream queued one message for each (77 seen).
    // Now only what the client's and the server's stream buffers hold (16 messages each in grpc-js) and what was
    // in flight (33 seen).
    expect(rounds).toBeGreaterThan(40);
    expect(backlog).toBeLessThan(rounds / 2);
    // What it gets once it reads again is current: the newest round of every signal.
    const last = new Map<string, string>();
    for (const message of received) {
      for (const value of message.values) {
        const kind = value.value?.kind;
        if (kind?.$case === 'stringValue') last.set(value.signal?.signal ?? '', kind.value.slice(0, 6));
      }
    }
    expect([...last.values()]).toEqual(names.map(() => String(rounds).padStart(6, '0')));
    stream.cancel();
    expect(await ended).toBe(status.CANCELLED);
  }, 60_000);
});
