// Validation at the gRPC boundary (issue 13): a request with NUL or other control characters in a string,
// an impossible time or a non-finite number is answered INVALID_ARGUMENT naming the proto field (also in the
// kiln-field trailer), and publishes nothing. Bytes that do not decode are the client's fault too.
import { Client, status, type ServiceError } from '@grpc/grpc-js';
import { api, topics } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { PRESS, seedPlant } from './fixture';
import { bearer, failure, grpcHarness, insecure, invoke, ts, us, type GrpcHarness } from './support';

describeWith(['postgres'], 'gRPC input validation', () => {
  let h: GrpcHarness;
  let states: api.MachineStateServiceClient;
  let assets: api.AssetServiceClient;
  let oee: api.OeeServiceClient;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    states = new api.MachineStateServiceClient(h.address, insecure());
    assets = new api.AssetServiceClient(h.address, insecure());
    oee = new api.OeeServiceClient(h.address, insecure());
  });

  afterAll(async () => {
    for (const client of [states, assets, oee]) client?.close();
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

  it('caps SetStopReason as REST does: reason_code 64 characters, reason_text 500 (issue 18)', async () => {
    const before = published(topics.machineState.name);
    const stopId = `${PRESS}@${us('2026-03-02T12:00:00Z')}`;
    for (const [request, field] of [
      [{ stopId, reasonCode: 'B'.repeat(65) }, 'reason_code'],
      [{ stopId, reasonCode: 'B-07', reasonText: 'x'.repeat(501) }, 'reason_text'],
    ] as const) {
      const error = await failure(
        invoke(
          states.setStopReason.bind(states),
          api.SetStopReasonRequest.fromPartial(request),
          h.keys.plant1Operator,
        ),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.metadata.get('kiln-field')).toEqual([field]);
    }
    expect(published(topics.machineState.name)).toBe(before);
  });

  const fieldOf = (error: ServiceError): unknown => error.metadata.get('kiln-field')[0];

  it('refuses a line break in an id and a time past 9999, naming the proto field', async () => {
    const stopId = await failure(
      invoke(
        states.setStopReason.bind(states),
        api.SetStopReasonRequest.fromPartial({ stopId: `${PRESS}\n@1`, reasonCode: 'X' }),
        h.keys.plant1Operator,
      ),
    );
    expect(stopId.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldOf(stopId)).toBe('stop_id');
    const late = await failure(
      invoke(
        oee.getOee.bind(oee),
        api.GetOeeRequest.fromPartial({
          assetId: PRESS,
          startTime: ts('2026-03-02T06:00:00Z'),
          endTime: { seconds: 253_402_300_800, nanos: 0 },
        }),
        h.keys.admin,
      ),
    );
    expect(late.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldOf(late)).toBe('end_time');
  });

  it('refuses a non-finite or too long setting of UpsertAsset naming the nested field', async () => {
    const upsert = (defaultIdealCycleTimeS: number) =>
      failure(
        invoke(
          assets.upsertAsset.bind(assets),
          api.UpsertAssetRequest.fromPartial({
            asset: {
              id: `${PRESS}-b`,
              name: 'B',
              level: api.AssetLevel.ASSET_LEVEL_ASSET,
              defaultIdealCycleTimeS,
            },
          }),
          h.keys.admin,
        ),
      );
    const nan = await upsert(Number.NaN);
    expect(nan.code).toBe(status.INVALID_ARGUMENT);
    expect(nan.details).toMatch(/^asset\.default_ideal_cycle_time_s: is NaN, not a finite number/);
    const tooLong = await upsert(1e6);
    expect(fieldOf(tooLong)).toBe('asset.default_ideal_cycle_time_s');
  });

  it('answers INVALID_ARGUMENT, not INTERNAL, for bytes that are not the request message', async () => {
    const client = new Client(h.address, insecure());
    const raw = (bytes: Buffer): Promise<ServiceError | null> =>
      new Promise((resolve) => {
        client.makeUnaryRequest(
          '/kiln.v1.OeeService/GetOee',
          (value: Buffer) => value,
          (value: Buffer) => value,
          bytes,
          bearer(h.keys.admin),
          {},
          (error) => resolve(error),
        );
      });
    try {
      // A length-delimited field (asset_id) whose length runs past the end.
      const truncated = await raw(Buffer.from([0x0a, 0x7f, 0x61]));
      expect(truncated?.code).toBe(status.INVALID_ARGUMENT);
      expect(truncated?.details).toMatch(
        /^request: the bytes are not a request message of \/kiln\.v1\.OeeService\/GetOee/,
      );
      // start_time { seconds: 2^60 }: an int64 a JavaScript number cannot hold.
      const seconds = Buffer.from([0x12, 0x0a, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
      const huge = await raw(seconds);
      expect(huge?.code).toBe(status.INVALID_ARGUMENT);
      expect(huge?.metadata.get('kiln-field')).toEqual(['request']);
    } finally {
      client.close();
    }
    const metric = await h.registry.getSingleMetric('kiln_gateway_invalid_inputs_total')?.get();
    const counted = metric?.values.find(
      (one) =>
        one.labels['transport'] === 'grpc' &&
        one.labels['route'] === 'GetOee' &&
        one.labels['field'] === 'request',
    )?.value;
    expect(counted).toBe(2);
  });
});
