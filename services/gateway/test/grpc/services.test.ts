// The kiln.v1 services over gRPC with real clients, against real PostgreSQL: every method, authentication and
// authorization, error statuses, paging, and OEE figures equal to @kiln/oee's over the same inputs.
import { status, type ServiceError } from '@grpc/grpc-js';
import { api, MachineState } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { PLANT2_PRESS, PRESS, seedPlant, SHIFT_END, SHIFT_START } from './fixture';
import {
  bearer,
  cancelled,
  failure,
  grpcHarness,
  insecure,
  invoke,
  messagesOf,
  ts,
  us,
  type GrpcHarness,
} from './support';

const shiftRange = { startTime: ts(SHIFT_START), endTime: ts(SHIFT_END) };

describeWith(['postgres'], 'gRPC API', () => {
  let h: GrpcHarness;
  let assets: api.AssetServiceClient;
  let telemetry: api.TelemetryServiceClient;
  let oee: api.OeeServiceClient;
  let states: api.MachineStateServiceClient;
  let alerts: api.AlertServiceClient;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    assets = new api.AssetServiceClient(h.address, insecure());
    telemetry = new api.TelemetryServiceClient(h.address, insecure());
    oee = new api.OeeServiceClient(h.address, insecure());
    states = new api.MachineStateServiceClient(h.address, insecure());
    alerts = new api.AlertServiceClient(h.address, insecure());
  });

  afterAll(async () => {
    for (const client of [assets, telemetry, oee, states, alerts]) client?.close();
    await h?.stop();
  });

  describe('authentication and authorization', () => {
    it('refuses a call without credentials with UNAUTHENTICATED', async () => {
      const error = await failure(invoke(assets.getAsset.bind(assets), { assetId: PRESS }, null));
      expect(error.code).toBe(status.UNAUTHENTICATED);
      expect(error.details).toMatch(/no credentials/);
    });

    it('refuses an unknown key with UNAUTHENTICATED', async () => {
      const error = await failure(invoke(assets.getAsset.bind(assets), { assetId: PRESS }, 'kiln_nope_nope'));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });

    it("refuses another site's key with PERMISSION_DENIED", async () => {
      const error = await failure(
        invoke(assets.getAsset.bind(assets), { assetId: PRESS }, h.keys.plant2Reader),
      );
      expect(error.code).toBe(status.PERMISSION_DENIED);
      const oeeError = await failure(
        invoke(oee.getOee.bind(oee), { assetId: PRESS, ...shiftRange, granularity: 0 }, h.keys.plant2Reader),
      );
      expect(oeeError.code).toBe(status.PERMISSION_DENIED);
    });

    it('refuses SetStopReason and UpsertAsset to a reader with PERMISSION_DENIED', async () => {
      const stop = await failure(
        invoke(
          states.setStopReason.bind(states),
          api.SetStopReasonRequest.fromPartial({
            stopId: `${PRESS}@${us('2026-03-02T07:10:00Z')}`,
            reasonCode: 'X',
          }),
          h.keys.plant1Reader,
        ),
      );
      expect(stop.code).toBe(status.PERMISSION_DENIED);
      const upsert = await failure(
        invoke(
          assets.upsertAsset.bind(assets),
          api.UpsertAssetRequest.fromPartial({
            asset: { id: `${PRESS}-b`, name: 'B', level: api.AssetLevel.ASSET_LEVEL_ASSET },
          }),
          h.keys.plant1Operator,
        ),
      );
      expect(upsert.code).toBe(status.PERMISSION_DENIED);
      expect(upsert.details).toMatch(/admin/);
    });

    it('answers INVALID_ARGUMENT for an asset id that is not a path, and the table is still there', async () => {
      const error = await failure(
        invoke(assets.getAsset.bind(assets), { assetId: "x'; DROP TABLE assets;--" }, h.keys.admin),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^asset_id: /);
      const still = await invoke(assets.getAsset.bind(assets), { assetId: PRESS }, h.keys.admin);
      expect(still.asset?.id).toBe(PRESS);
    });

    it('answers OUT_OF_RANGE for a range longer than the cap, naming end_time', async () => {
      const error = await failure(
        invoke(
          oee.getOee.bind(oee),
          {
            assetId: PRESS,
            startTime: ts('2024-01-01T00:00:00Z'),
            endTime: ts('2025-06-01T00:00:00Z'),
            granularity: 0,
          },
          h.keys.admin,
        ),
      );
      expect(error.code).toBe(status.OUT_OF_RANGE);
      expect(error.details).toMatch(/^end_time: .*366 days/);
      expect(error.metadata.get('kiln-field')).toEqual(['end_time']);
    });

    it('answers INVALID_ARGUMENT for a missing start_time and an end before the start', async () => {
      const missing = await failure(
        invoke(
          telemetry.queryRange.bind(telemetry),
          api.QueryRangeRequest.fromPartial({
            signals: [{ assetId: PRESS, signal: 'temperature' }],
            endTime: ts(SHIFT_END),
          }),
          h.keys.admin,
        ),
      );
      expect(missing.code).toBe(status.INVALID_ARGUMENT);
      expect(missing.details).toBe('start_time: is required');
      const backwards = await failure(
        invoke(
          states.getStateTimeline.bind(states),
          api.GetStateTimelineRequest.fromPartial({
            assetId: PRESS,
            startTime: ts(SHIFT_END),
            endTime: ts(SHIFT_START),
          }),
          h.keys.admin,
        ),
      );
      expect(backwards.code).toBe(status.INVALID_ARGUMENT);
    });

    it('answers DEADLINE_EXCEEDED for a call whose deadline has passed', async () => {
      const error = await failure(
        invoke(assets.getAsset.bind(assets), { assetId: PRESS }, h.keys.admin, { deadline: Date.now() - 1 }),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    });
  });

  describe('AssetService', () => {
    it('gets one asset with its settings', async () => {
      const { asset } = await invoke(assets.getAsset.bind(assets), { assetId: PRESS }, h.keys.plant1Reader);
      expect(asset).toMatchObject({
        id: PRESS,
        name: 'Press 1',
        level: api.AssetLevel.ASSET_LEVEL_ASSET,
        parentId: 'acme/plant-1/pressing/line-1',
        type: 'press',
        defaultIdealCycleTimeS: 1,
      });
      const missing = await failure(
        invoke(assets.getAsset.bind(assets), { assetId: 'acme/plant-1/nothing' }, h.keys.admin),
      );
      expect(missing.code).toBe(status.NOT_FOUND);
    });

    it('cuts the tree at the requested depth and flags what it left out', async () => {
      const { roots } = await invoke(
        assets.getAssetTree.bind(assets),
        { rootAssetId: 'acme/plant-1', depth: 1 },
        h.keys.plant1Reader,
      );
      expect(roots.map((root) => root.asset?.id)).toEqual(['acme/plant-1']);
      const pressing = roots[0]?.children[0];
      expect(pressing?.asset?.id).toBe('acme/plant-1/pressing');
      expect(pressing?.children).toEqual([]);
      expect(pressing?.hasMoreChildren).toBe(true);
      const whole = await invoke(
        assets.getAssetTree.bind(assets),
        { rootAssetId: '', depth: 0 },
        h.keys.admin,
      );
      expect(whole.roots.map((root) => root.asset?.id)).toEqual(['acme']);
      expect(whole.roots[0]?.children.map((child) => child.asset?.id)).toEqual([
        'acme/plant-1',
        'acme/plant-2',
      ]);
    });

    it('lists assets in pages, by site and level, limited to the credential site', async () => {
      const first = await invoke(
        assets.listAssets.bind(assets),
        api.ListAssetsRequest.fromPartial({ pageSize: 3 }),
        h.keys.admin,
      );
      expect(first.assets.map((a) => a.id)).toEqual(['acme', 'acme/plant-1', 'acme/plant-1/pressing']);
      expect(first.nextPageToken).not.toBe('');
      const second = await invoke(
        assets.listAssets.bind(assets),
        api.ListAssetsRequest.fromPartial({ pageSize: 3, pageToken: first.nextPageToken }),
        h.keys.admin,
      );
      expect(second.assets[0]?.id).toBe('acme/plant-1/pressing/line-1');
      const plant2 = await invoke(
        assets.listAssets.bind(assets),
        api.ListAssetsRequest.fromPartial({
          siteId: 'acme/plant-2',
          level: api.AssetLevel.ASSET_LEVEL_ASSET,
        }),
        h.keys.admin,
      );
      expect(plant2.assets.map((a) => a.id)).toEqual([PLANT2_PRESS]);
      expect(plant2.nextPageToken).toBe('');
      const own = await invoke(
        assets.listAssets.bind(assets),
        api.ListAssetsRequest.fromPartial({}),
        h.keys.plant1Reader,
      );
      expect(own.assets.every((a) => a.id.startsWith('acme/plant-1'))).toBe(true);
      const other = await failure(
        invoke(
          assets.listAssets.bind(assets),
          api.ListAssetsRequest.fromPartial({ siteId: 'acme/plant-2' }),
          h.keys.plant1Reader,
        ),
      );
      expect(other.code).toBe(status.PERMISSION_DENIED);
      const badToken = await failure(
        invoke(
          assets.listAssets.bind(assets),
          api.ListAssetsRequest.fromPartial({ pageToken: 'nope' }),
          h.keys.admin,
        ),
      );
      expect(badToken.code).toBe(status.INVALID_ARGUMENT);
      expect(badToken.details).toMatch(/^page_token: /);
    });

    it('lists the signals of an asset with units and data types', async () => {
      const { signals, nextPageToken } = await invoke(
        assets.listSignals.bind(assets),
        { assetId: PRESS, pageSize: 0, pageToken: '' },
        h.keys.plant1Reader,
      );
      expect(signals).toEqual([
        {
          assetId: PRESS,
          name: 'strokes',
          unit: '',
          dataType: api.SignalDataType.SIGNAL_DATA_TYPE_INTEGER,
          description: '',
        },
        {
          assetId: PRESS,
          name: 'temperature',
          unit: 'Cel',
          dataType: api.SignalDataType.SIGNAL_DATA_TYPE_NUMBER,
          description: '',
        },
      ]);
      expect(nextPageToken).toBe('');
    });

    it('creates an asset for an admin of its site, then changes it', async () => {
      const id = 'acme/plant-1/pressing/line-1/press-2';
      const created = await invoke(
        assets.upsertAsset.bind(assets),
        api.UpsertAssetRequest.fromPartial({
          asset: {
            id,
            name: 'Press 2',
            level: api.AssetLevel.ASSET_LEVEL_ASSET,
            type: 'press',
            microStopThresholdS: 60,
          },
        }),
        h.keys.plant1Admin,
      );
      expect(created.created).toBe(true);
      expect(created.asset).toMatchObject({
        id,
        name: 'Press 2',
        parentId: 'acme/plant-1/pressing/line-1',
        microStopThresholdS: 60,
      });
      const changed = await invoke(
        assets.upsertAsset.bind(assets),
        api.UpsertAssetRequest.fromPartial({
          asset: {
            id,
            name: 'Press two',
            level: api.AssetLevel.ASSET_LEVEL_ASSET,
            defaultIdealCycleTimeS: 2,
          },
        }),
        h.keys.plant1Admin,
      );
      expect(changed.created).toBe(false);
      expect(changed.asset).toMatchObject({
        name: 'Press two',
        microStopThresholdS: 60,
        defaultIdealCycleTimeS: 2,
      });
      const wrongParent = await failure(
        invoke(
          assets.upsertAsset.bind(assets),
          api.UpsertAssetRequest.fromPartial({
            asset: { id, name: 'x', level: api.AssetLevel.ASSET_LEVEL_ASSET, parentId: 'acme/plant-1' },
          }),
          h.keys.plant1Admin,
        ),
      );
      expect(wrongParent.code).toBe(status.INVALID_ARGUMENT);
      expect(wrongParent.details).toMatch(/^asset\.parent_id: /);
    });
  });

  describe('TelemetryService', () => {
    const temperature = { assetId: PRESS, signal: 'temperature' };
    const strokes = { assetId: PRESS, signal: 'strokes' };

    it('aggregates a range in buckets of the requested width', async () => {
      const { series } = await invoke(
        telemetry.queryRange.bind(telemetry),
        api.QueryRangeRequest.fromPartial({
          signals: [temperature],
          startTime: ts('2026-03-02T06:00:00Z'),
          endTime: ts('2026-03-02T07:00:00Z'),
          bucket: { seconds: 900, nanos: 0 },
          aggregates: [
            api.Aggregate.AGGREGATE_AVG,
            api.Aggregate.AGGREGATE_MAX,
            api.Aggregate.AGGREGATE_COUNT,
          ],
        }),
        h.keys.plant1Reader,
      );
      expect(series).toHaveLength(1);
      expect(series[0]?.unit).toBe('Cel');
      const buckets = series[0]?.buckets ?? [];
      expect(buckets).toHaveLength(4);
      expect(buckets[0]).toEqual({
        startTime: ts('2026-03-02T06:00:00Z'),
        avg: 20 + 7 / 2,
        max: 27,
        count: 15,
        min: undefined,
        last: undefined,
      });
    });

    it('answers one bucket over the whole range when no bucket is given, AVG by default', async () => {
      const { series } = await invoke(
        telemetry.queryRange.bind(telemetry),
        api.QueryRangeRequest.fromPartial({
          signals: [temperature, strokes],
          startTime: ts('2026-03-02T06:30:00Z'),
          endTime: ts('2026-03-02T07:30:00Z'),
        }),
        h.keys.plant1Reader,
      );
      expect(series.map((one) => one.buckets)).toEqual([
        [
          {
            startTime: ts('2026-03-02T06:30:00Z'),
            avg: (35 + 49.5) / 2,
            min: undefined,
            max: undefined,
            last: undefined,
            count: undefined,
          },
        ],
        [
          {
            startTime: ts('2026-03-02T06:30:00Z'),
            avg: 5000,
            min: undefined,
            max: undefined,
            last: undefined,
            count: undefined,
          },
        ],
      ]);
    });

    it('refuses a bucket that is not whole seconds', async () => {
      const error = await failure(
        invoke(
          telemetry.queryRange.bind(telemetry),
          api.QueryRangeRequest.fromPartial({
            signals: [temperature],
            ...shiftRange,
            bucket: { seconds: 1, nanos: 5 },
          }),
          h.keys.admin,
        ),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^bucket: /);
    });

    it('gets the latest value of each signal in request order, typed by the signal', async () => {
      const { values } = await invoke(
        telemetry.getLatest.bind(telemetry),
        { signals: [strokes, { assetId: PRESS, signal: 'pressure' }, temperature], maxAge: undefined },
        h.keys.plant1Reader,
      );
      expect(values).toEqual([
        {
          signal: strokes,
          value: { kind: { $case: 'intValue', value: 6000 } },
          quality: 1,
          time: ts('2026-03-02T06:50:00Z'),
          unit: '',
        },
        {
          signal: { assetId: PRESS, signal: 'pressure' },
          value: undefined,
          quality: 0,
          time: undefined,
          unit: '',
        },
        {
          signal: temperature,
          value: { kind: { $case: 'numberValue', value: 49.5 } },
          quality: 1,
          time: ts('2026-03-02T06:59:00Z'),
          unit: 'Cel',
        },
      ]);
    });

    it('takes a max_age of whole milliseconds up to 60 s, and refuses others naming max_age', async () => {
      const fresh = await invoke(
        telemetry.getLatest.bind(telemetry),
        { signals: [temperature], maxAge: { seconds: 0, nanos: 0 } },
        h.keys.plant1Reader,
      );
      expect(fresh.values[0]?.value).toEqual({ kind: { $case: 'numberValue', value: 49.5 } });
      for (const maxAge of [
        { seconds: -1, nanos: 0 },
        { seconds: 61, nanos: 0 },
        { seconds: 0, nanos: 500 },
      ]) {
        const error = await failure(
          invoke(
            telemetry.getLatest.bind(telemetry),
            { signals: [temperature], maxAge },
            h.keys.plant1Reader,
          ),
        );
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(error.details).toMatch(/^max_age: /);
      }
    });

    it('streams the latest values, then only values that changed, until cancelled', async () => {
      const stream = telemetry.streamLive({ signals: [temperature, strokes] }, bearer(h.keys.plant1Reader));
      const messages = messagesOf(stream);
      const first = await messages.next();
      expect(first.values.map((v) => v.signal?.signal).sort()).toEqual(['strokes', 'temperature']);
      await h.writer.writeNamedTelemetry([
        {
          signal: { assetId: PRESS, name: 'temperature' },
          timeUs: us('2026-03-02T07:00:00Z'),
          value: 51,
          valueText: null,
          quality: 2,
        },
      ]);
      const second = await messages.next();
      expect(second.values).toEqual([
        {
          signal: temperature,
          value: { kind: { $case: 'numberValue', value: 51 } },
          quality: 2,
          time: ts('2026-03-02T07:00:00Z'),
          unit: 'Cel',
        },
      ]);
      expect(await cancelled(stream)).toBe(status.CANCELLED);
    });

    it('ends a live stream of another site with PERMISSION_DENIED', async () => {
      const stream = telemetry.streamLive({ signals: [temperature] }, bearer(h.keys.plant2Reader));
      const error = await messagesOf(stream)
        .next()
        .then(
          () => undefined,
          (e: ServiceError) => e,
        );
      expect(error?.code).toBe(status.PERMISSION_DENIED);
    });
  });

  describe('MachineStateService', () => {
    it('pages the state timeline of a range', async () => {
      const first = await invoke(
        states.getStateTimeline.bind(states),
        api.GetStateTimelineRequest.fromPartial({ assetId: PRESS, ...shiftRange, pageSize: 4 }),
        h.keys.plant1Reader,
      );
      expect(first.intervals).toHaveLength(4);
      expect(first.intervals[1]).toEqual({
        assetId: PRESS,
        state: MachineState.MACHINE_STATE_BREAKDOWN,
        reasonCode: 'M-01',
        reasonText: 'motor overload',
        startTime: ts('2026-03-02T07:10:00Z'),
        endTime: ts('2026-03-02T07:30:00Z'),
        durationS: 1200,
        open: false,
      });
      const rest = await invoke(
        states.getStateTimeline.bind(states),
        api.GetStateTimelineRequest.fromPartial({
          assetId: PRESS,
          ...shiftRange,
          pageToken: first.nextPageToken,
        }),
        h.keys.plant1Reader,
      );
      expect(rest.intervals.map((i) => i.state)).toEqual([
        MachineState.MACHINE_STATE_RUNNING,
        MachineState.MACHINE_STATE_CHANGEOVER,
        MachineState.MACHINE_STATE_RUNNING,
        MachineState.MACHINE_STATE_UNKNOWN_STOP,
        MachineState.MACHINE_STATE_RUNNING,
        MachineState.MACHINE_STATE_PLANNED_STOP,
      ]);
      expect(rest.nextPageToken).toBe('');
    });

    it('lists the stops, flags micro-stops, and filters those without a reason', async () => {
      const all = await invoke(
        states.listStops.bind(states),
        api.ListStopsRequest.fromPartial({ assetId: PRESS, ...shiftRange }),
        h.keys.plant1Reader,
      );
      expect(all.stops.map((s) => [s.interval?.state, s.microStop])).toEqual([
        [MachineState.MACHINE_STATE_BREAKDOWN, false],
        [MachineState.MACHINE_STATE_IDLE, true],
        [MachineState.MACHINE_STATE_CHANGEOVER, false],
        [MachineState.MACHINE_STATE_UNKNOWN_STOP, false],
        [MachineState.MACHINE_STATE_PLANNED_STOP, false],
      ]);
      expect(all.stops[0]?.stopId).toBe(`${PRESS}@${us('2026-03-02T07:10:00Z')}`);
      const unclassified = await invoke(
        states.listStops.bind(states),
        api.ListStopsRequest.fromPartial({ assetId: PRESS, ...shiftRange, withoutReasonOnly: true }),
        h.keys.plant1Reader,
      );
      expect(unclassified.stops.map((s) => s.interval?.state)).toEqual([
        MachineState.MACHINE_STATE_IDLE,
        MachineState.MACHINE_STATE_UNKNOWN_STOP,
      ]);
    });

    it("sets an operator's reason on a stop and returns the stop", async () => {
      const stopId = `${PRESS}@${us('2026-03-02T12:00:00Z')}`;
      const { stop } = await invoke(
        states.setStopReason.bind(states),
        api.SetStopReasonRequest.fromPartial({
          stopId,
          reasonCode: 'B-07',
          reasonText: 'jammed feeder',
          state: MachineState.MACHINE_STATE_BREAKDOWN,
          assignedBy: 'someone else',
        }),
        h.keys.plant1Operator,
      );
      expect(stop).toMatchObject({
        stopId,
        interval: {
          assetId: PRESS,
          state: MachineState.MACHINE_STATE_BREAKDOWN,
          reasonCode: 'B-07',
          reasonText: 'jammed feeder',
          startTime: ts('2026-03-02T12:00:00Z'),
          endTime: ts('2026-03-02T12:05:00Z'),
          durationS: 300,
        },
        microStop: false,
      });
      expect(stop?.reasonAssignedBy).toMatch(/^key:/);
      const missing = await failure(
        invoke(
          states.setStopReason.bind(states),
          api.SetStopReasonRequest.fromPartial({
            stopId: `${PRESS}@${us('2026-03-02T12:01:00Z')}`,
            reasonCode: 'x',
          }),
          h.keys.plant1Operator,
        ),
      );
      expect(missing.code).toBe(status.NOT_FOUND);
    });
  });

  describe('AlertService on an empty alert store (test/rest/alerts.test.ts has the rest)', () => {
    it('lists no alerts, after authenticating', async () => {
      const list = await invoke(
        alerts.listAlerts.bind(alerts),
        api.ListAlertsRequest.fromPartial({}),
        h.keys.plant1Reader,
      );
      expect(list).toEqual({ alerts: [], nextPageToken: '' });
      const anonymous = await failure(
        invoke(alerts.listAlerts.bind(alerts), api.ListAlertsRequest.fromPartial({}), null),
      );
      expect(anonymous.code).toBe(status.UNAUTHENTICATED);
    });

    it('answers NOT_FOUND to acknowledging or resolving an alert', async () => {
      const ack = await failure(
        invoke(
          alerts.acknowledgeAlert.bind(alerts),
          { alertId: 'a-1', actor: '', comment: '' },
          h.keys.plant1Operator,
        ),
      );
      expect(ack.code).toBe(status.NOT_FOUND);
      expect(ack.details).toBe('no alert a-1');
      const resolve = await failure(
        invoke(
          alerts.resolveAlert.bind(alerts),
          { alertId: 'a-1', actor: '', comment: '' },
          h.keys.plant1Operator,
        ),
      );
      expect(resolve.code).toBe(status.NOT_FOUND);
    });
  });
});
