// A refused gRPC request names the field at fault as the client sent it: its path in the request message, by the
// .proto's names (`root_asset_id`, `asset.level`, `signals[0].signal`, `asset_ids[1]`), in the details and the
// kiln-field trailer, never REST's query parameters or JSON names (`from`, `to`, `assetId`) that the domain shared
// with REST speaks of (issue 14). Every named field is checked to exist in the method's request type.
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { ApiError } from '../../src/errors';
import { kilnDescriptors } from '../../src/grpc/descriptor-set';
import { protoFieldOf, renamedField } from '../../src/grpc/field-names';
import { PRESS, seedPlant, SHIFT_END, SHIFT_START } from './fixture';
import { bearer, failure, grpcHarness, insecure, invoke, messagesOf, ts, type GrpcHarness } from './support';

interface Clients {
  readonly assets: api.AssetServiceClient;
  readonly telemetry: api.TelemetryServiceClient;
  readonly oee: api.OeeServiceClient;
  readonly states: api.MachineStateServiceClient;
  readonly alerts: api.AlertServiceClient;
}

interface Case {
  /** `Service/Method` in kiln.v1. */
  readonly method: string;
  readonly field: string;
  /** The details after `<field>: `, where the wording matters. */
  readonly reason?: RegExp;
  readonly call: (clients: Clients, key: string) => Promise<unknown>;
}

const shift = { startTime: ts(SHIFT_START), endTime: ts(SHIFT_END) };
const backwards = { startTime: ts(SHIFT_END), endTime: ts(SHIFT_START) };
const AFTER_START = /^must be after start_time$/;

const CASES: readonly Case[] = [
  {
    method: 'AssetService/GetAssetTree',
    field: 'root_asset_id',
    call: ({ assets }, key) =>
      invoke(assets.getAssetTree.bind(assets), { rootAssetId: 'Not A Path', depth: 0 }, key),
  },
  {
    method: 'AssetService/UpsertAsset',
    field: 'asset.id',
    call: ({ assets }, key) =>
      invoke(
        assets.upsertAsset.bind(assets),
        api.UpsertAssetRequest.fromPartial({
          asset: { id: 'Not A Path', name: 'X', level: api.AssetLevel.ASSET_LEVEL_ASSET },
        }),
        key,
      ),
  },
  {
    method: 'AssetService/UpsertAsset',
    field: 'asset.level',
    call: ({ assets }, key) =>
      invoke(
        assets.upsertAsset.bind(assets),
        api.UpsertAssetRequest.fromPartial({
          asset: { id: 'acme/plant-1/x', name: 'X', level: api.AssetLevel.ASSET_LEVEL_ENTERPRISE },
        }),
        key,
      ),
  },
  {
    method: 'TelemetryService/QueryRange',
    field: 'signals[0].asset_id',
    call: ({ telemetry }, key) =>
      invoke(
        telemetry.queryRange.bind(telemetry),
        api.QueryRangeRequest.fromPartial({
          signals: [{ assetId: 'Not A Path', signal: 'temperature' }],
          ...shift,
        }),
        key,
      ),
  },
  {
    method: 'TelemetryService/GetLatest',
    field: 'signals[1].signal',
    reason: /is not a signal name/,
    call: ({ telemetry }, key) =>
      invoke(
        telemetry.getLatest.bind(telemetry),
        {
          signals: [
            { assetId: PRESS, signal: 'temperature' },
            { assetId: PRESS, signal: '-temperature' },
          ],
          maxAge: undefined,
        },
        key,
      ),
  },
  {
    method: 'TelemetryService/QueryRange',
    field: 'end_time',
    reason: AFTER_START,
    call: ({ telemetry }, key) =>
      invoke(
        telemetry.queryRange.bind(telemetry),
        api.QueryRangeRequest.fromPartial({
          signals: [{ assetId: PRESS, signal: 'temperature' }],
          ...backwards,
        }),
        key,
      ),
  },
  {
    method: 'OeeService/GetOee',
    field: 'end_time',
    reason: AFTER_START,
    call: ({ oee }, key) =>
      invoke(oee.getOee.bind(oee), { assetId: PRESS, ...backwards, granularity: 0 }, key),
  },
  {
    method: 'OeeService/StreamLiveOee',
    field: 'asset_ids[1]',
    call: ({ oee }, key) =>
      messagesOf(oee.streamLiveOee({ assetIds: [PRESS, 'Not A Path'], windowKinds: [] }, bearer(key))).next(),
  },
  {
    method: 'MachineStateService/GetStateTimeline',
    field: 'end_time',
    reason: AFTER_START,
    call: ({ states }, key) =>
      invoke(
        states.getStateTimeline.bind(states),
        api.GetStateTimelineRequest.fromPartial({
          assetId: PRESS,
          startTime: shift.startTime,
          endTime: shift.startTime,
        }),
        key,
      ),
  },
  {
    method: 'MachineStateService/ListStops',
    field: 'page_token',
    call: ({ states }, key) =>
      invoke(
        states.listStops.bind(states),
        api.ListStopsRequest.fromPartial({ assetId: PRESS, ...shift, pageToken: 'not-a-token' }),
        key,
      ),
  },
  {
    method: 'MachineStateService/SetStopReason',
    field: 'stop_id',
    call: ({ states }, key) =>
      invoke(
        states.setStopReason.bind(states),
        api.SetStopReasonRequest.fromPartial({ stopId: 'no-time-here', reasonCode: 'M-01' }),
        key,
      ),
  },
  {
    method: 'AlertService/ListAlerts',
    field: 'asset_id',
    call: ({ alerts }, key) =>
      invoke(
        alerts.listAlerts.bind(alerts),
        api.ListAlertsRequest.fromPartial({ assetId: 'Not A Path' }),
        key,
      ),
  },
  {
    method: 'AlertService/ListAlerts',
    field: 'page_size',
    call: ({ alerts }, key) =>
      invoke(alerts.listAlerts.bind(alerts), api.ListAlertsRequest.fromPartial({ pageSize: 100_000 }), key),
  },
];

/** The request type's field at a path such as `signals[1].signal`; undefined where there is none. */
function fieldAt(request: DescMessage, path: string): string | undefined {
  let message: DescMessage | undefined = request;
  let found: string | undefined;
  for (const part of path.split('.')) {
    const field: DescField | undefined = message?.fields.find(
      (candidate) => candidate.name === part.replace(/\[\d+\]$/, ''),
    );
    if (field === undefined) return undefined;
    if (part.endsWith(']') && field.fieldKind !== 'list') return undefined;
    found = `${field.parent.typeName}.${field.name}`;
    message =
      field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')
        ? field.message
        : undefined;
  }
  return found;
}

describe('field names of the domain in a gRPC request', () => {
  it('names a field by the method, then as every method does, else in snake_case', () => {
    const names = { assetId: 'asset.id' };
    expect(protoFieldOf('assetId', names)).toBe('asset.id');
    expect(protoFieldOf('assetId')).toBe('asset_id');
    expect(protoFieldOf('to')).toBe('end_time');
    expect(protoFieldOf('settings.microStopThresholdS')).toBe('settings.micro_stop_threshold_s');
    expect(protoFieldOf('signals[2].asset_id')).toBe('signals[2].asset_id');
  });

  it('renames only the fields it is given, keeping the kind and the reason', () => {
    const renamed = renamedField(new ApiError('out-of-range', 'assetId: is too far', 'assetId'), {
      assetId: 'asset_ids[3]',
    });
    expect(renamed).toEqual(new ApiError('out-of-range', 'asset_ids[3]: is too far', 'asset_ids[3]'));
    expect(renamed).toMatchObject({ kind: 'out-of-range', field: 'asset_ids[3]' });
    const other = new ApiError('invalid-argument', 'cursor: is not a cursor', 'cursor');
    expect(renamedField(other, { assetId: 'asset_ids[3]' })).toBe(other);
  });
});

describeWith(['postgres'], 'gRPC errors name the request field', () => {
  let h: GrpcHarness;
  let clients: Clients;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    clients = {
      assets: new api.AssetServiceClient(h.address, insecure()),
      telemetry: new api.TelemetryServiceClient(h.address, insecure()),
      oee: new api.OeeServiceClient(h.address, insecure()),
      states: new api.MachineStateServiceClient(h.address, insecure()),
      alerts: new api.AlertServiceClient(h.address, insecure()),
    };
  });

  afterAll(async () => {
    for (const client of Object.values(clients ?? {})) client.close();
    await h?.stop();
  });

  it.each(CASES.map((one) => [one.method, one.field, one] as const))(
    'kiln.v1.%s names %s',
    async (method, field, one) => {
      const error: ServiceError = await failure(one.call(clients, h.keys.admin));
      expect([status.INVALID_ARGUMENT, status.OUT_OF_RANGE]).toContain(error.code);
      expect({
        field: error.metadata.get('kiln-field')[0],
        details: error.details.slice(0, field.length + 2),
      }).toEqual({
        field,
        details: `${field}: `,
      });
      if (one.reason !== undefined) expect(error.details.slice(field.length + 2)).toMatch(one.reason);
      const [service = '', name = ''] = method.split('/');
      const request = kilnDescriptors()
        .registry.getService(`kiln.v1.${service}`)
        ?.methods.find((candidate) => candidate.name === name)?.input;
      expect(request === undefined ? undefined : fieldAt(request, field)).toBeDefined();
    },
  );
});
