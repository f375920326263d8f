// Validation at the gRPC boundary (issue 13): a request with NUL or other control characters in a string,
// an impossible time or a non-finite number is answered INVALID_ARGUMENT naming the proto field (also in the
// kiln-field trailer), and publishes nothing.
import { status } from '@grpc/grpc-js';
import { api, topics } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { PRESS, seedPlant } from './fixture';
import { failure, grpcHarness, insecure, invoke, us, type GrpcHarness } from './support';

describeWith(['postgres'], 'gRPC input validation', () => {
  let h: GrpcHarness;
  let states: api.MachineStateServiceClient;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    states = new api.MachineStateServiceClient(h.address, insecure());
  });

  afterAll(async () => {
    states?.close();
    await h?.stop();
  });

  const published = (topic: string): number =>
    h.bus.partitionStats(topic).reduce((sum, partition) => sum + partition.endOffset, 0);

  it('refuses SetStopReason with U+0000 in reason_text (issue 13, defect 4) and publishes nothing', async () => {
    const before = published(topics.machineState.name);
    const error = await failure(
      invoke(
        states.setStopReason.bind(states),
        api.SetStopReasonRequest.fromPartial({
          stopId: `${PRESS}@${us('2026-03-02T12:00:00Z')}`,
          reasonCode: 'B-07',
          reasonText: 'jammed\u0000feeder',
        }),
        h.keys.plant1Operator,
      ),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^reason_text: holds the character U\+0000/);
    expect(error.metadata.get('kiln-field')).toEqual(['reason_text']);
    expect(published(topics.machineState.name)).toBe(before);
  });
});
