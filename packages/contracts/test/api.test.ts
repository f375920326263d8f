// The kiln.v1 query API: every request and response survives binary and JSON encoding, every service definition
// carries the method paths and streaming flags the .proto declares, and a grpc-js server and client speak it.
import {
  credentials,
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type ServiceError,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import {
  AlertStatus,
  api,
  MachineState,
  type MessageCodec,
  microsFromTimestamp,
  OeeWindowKind,
  timestampFromMicros,
} from '../src';
import * as fx from './api-fixtures';
import { bearingAlert, LATEST_EXACT_US, PRESS_ASSET_ID, SHIFT_START_US, shiftOeeResult } from './fixtures';
import { API_PROTO_DIR, protoEnums, protoMessageNames, protoRpcs } from './proto-schema';

interface ApiCase {
  /** The protobuf message name, as declared in the .proto file. */
  readonly messageName: string;
  readonly message: unknown;
  /** Paths that hold a default by the message's meaning (an open interval has no end); the rest must not. */
  readonly defaultPaths: readonly string[];
  viaBinary(): unknown;
  viaJson(): unknown;
}

function roundTrip<T>(
  messageName: string,
  codec: MessageCodec<T>,
  message: T,
  defaultPaths: readonly string[] = [],
): ApiCase {
  return {
    messageName,
    message,
    defaultPaths,
    viaBinary: () => codec.decode(codec.encode(message).finish()),
    viaJson: () => codec.fromJSON(JSON.parse(JSON.stringify(codec.toJSON(message)))),
  };
}

const range = { startTime: fx.shiftTime(125), endTime: fx.shiftTime(28_800_125) };

const cases: readonly ApiCase[] = [
  // asset_service.proto
  roundTrip('Asset', api.Asset, fx.pressAsset),
  roundTrip('Signal', api.Signal, fx.oilTemperatureSignal),
  roundTrip('AssetTreeNode', api.AssetTreeNode, fx.lineTree, fx.LINE_TREE_LEAF_PATHS),
  roundTrip('GetAssetTreeRequest', api.GetAssetTreeRequest, { rootAssetId: fx.LINE_2_ID, depth: 2 }),
  roundTrip(
    'GetAssetTreeResponse',
    api.GetAssetTreeResponse,
    { roots: [fx.lineTree] },
    fx.LINE_TREE_LEAF_PATHS.map((path) => path.replace('$', '$.roots[0]')),
  ),
  roundTrip('GetAssetRequest', api.GetAssetRequest, { assetId: PRESS_ASSET_ID }),
  roundTrip('GetAssetResponse', api.GetAssetResponse, { asset: fx.pressAsset }),
  roundTrip('ListAssetsRequest', api.ListAssetsRequest, {
    ...fx.apiPage,
    siteId: 'acme/plant-1',
    level: api.AssetLevel.ASSET_LEVEL_ASSET,
    parentId: fx.LINE_2_ID,
  }),
  roundTrip('ListAssetsResponse', api.ListAssetsResponse, {
    assets: [fx.lineAsset, fx.pressAsset],
    ...fx.nextPage,
  }),
  roundTrip('ListSignalsRequest', api.ListSignalsRequest, { assetId: PRESS_ASSET_ID, ...fx.apiPage }),
  roundTrip('ListSignalsResponse', api.ListSignalsResponse, {
    signals: [fx.oilTemperatureSignal],
    ...fx.nextPage,
  }),
  roundTrip('UpsertAssetRequest', api.UpsertAssetRequest, { asset: fx.pressAsset }),
  roundTrip('UpsertAssetResponse', api.UpsertAssetResponse, { asset: fx.pressAsset, created: true }),

  // telemetry_service.proto
  roundTrip('SignalRef', api.SignalRef, fx.oilTemperatureRef),
  roundTrip('Bucket', api.Bucket, fx.temperatureBucket),
  roundTrip('Series', api.Series, fx.temperatureSeries),
  roundTrip('SignalValue', api.SignalValue, fx.latestAlarmText),
  roundTrip('QueryRangeRequest', api.QueryRangeRequest, {
    signals: [fx.oilTemperatureRef, fx.alarmTextRef],
    ...range,
    bucket: { seconds: 1, nanos: 500_000_000 },
    aggregates: [
      api.Aggregate.AGGREGATE_AVG,
      api.Aggregate.AGGREGATE_MIN,
      api.Aggregate.AGGREGATE_MAX,
      api.Aggregate.AGGREGATE_LAST,
      api.Aggregate.AGGREGATE_COUNT,
    ],
  }),
  roundTrip('QueryRangeResponse', api.QueryRangeResponse, { series: [fx.temperatureSeries] }),
  roundTrip('GetLatestRequest', api.GetLatestRequest, {
    signals: [fx.oilTemperatureRef, fx.alarmTextRef],
    maxAge: { seconds: 1, nanos: 250_000_000 },
  }),
  roundTrip('GetLatestResponse', api.GetLatestResponse, {
    values: [fx.latestTemperature, fx.latestAlarmText],
  }),
  roundTrip('StreamLiveRequest', api.StreamLiveRequest, { signals: [fx.oilTemperatureRef] }),
  roundTrip('StreamLiveResponse', api.StreamLiveResponse, { values: [fx.latestTemperature] }),

  // oee_service.proto
  roundTrip('GetOeeRequest', api.GetOeeRequest, {
    assetId: PRESS_ASSET_ID,
    ...range,
    granularity: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
  }),
  roundTrip('GetOeeResponse', api.GetOeeResponse, { windows: [shiftOeeResult] }),
  roundTrip('StopTimeBreakdown', api.StopTimeBreakdown, fx.breakdownStops),
  roundTrip('GetLossesRequest', api.GetLossesRequest, { assetId: fx.LINE_2_ID, ...range }),
  roundTrip('GetLossesResponse', api.GetLossesResponse, {
    result: fx.rangeOeeResult,
    stopBreakdown: [fx.breakdownStops],
  }),
  roundTrip('StreamLiveOeeRequest', api.StreamLiveOeeRequest, {
    assetIds: [PRESS_ASSET_ID, fx.LINE_2_ID],
    windowKinds: [OeeWindowKind.OEE_WINDOW_KIND_HOUR, OeeWindowKind.OEE_WINDOW_KIND_SHIFT],
  }),
  roundTrip('StreamLiveOeeResponse', api.StreamLiveOeeResponse, { results: [shiftOeeResult] }),

  // machine_state_service.proto
  roundTrip('StateInterval', api.StateInterval, fx.changeoverInterval, ['$.open']),
  roundTrip('StateInterval', api.StateInterval, fx.runningInterval, ['$.endTime']),
  roundTrip('Stop', api.Stop, fx.changeoverStop, ['$.interval.open', '$.microStop']),
  roundTrip('Stop', api.Stop, { ...fx.changeoverStop, microStop: true }, ['$.interval.open']),
  roundTrip('GetStateTimelineRequest', api.GetStateTimelineRequest, {
    assetId: PRESS_ASSET_ID,
    ...range,
    ...fx.apiPage,
  }),
  roundTrip(
    'GetStateTimelineResponse',
    api.GetStateTimelineResponse,
    { intervals: [fx.changeoverInterval, fx.runningInterval], ...fx.nextPage },
    ['$.intervals[0].open', '$.intervals[1].endTime'],
  ),
  roundTrip('ListStopsRequest', api.ListStopsRequest, {
    assetId: PRESS_ASSET_ID,
    ...range,
    ...fx.apiPage,
    withoutReasonOnly: true,
  }),
  roundTrip(
    'ListStopsResponse',
    api.ListStopsResponse,
    { stops: [{ ...fx.changeoverStop, microStop: true }], ...fx.nextPage },
    ['$.stops[0].interval.open'],
  ),
  roundTrip('SetStopReasonRequest', api.SetStopReasonRequest, {
    stopId: fx.changeoverStop.stopId,
    reasonCode: 'CO-12',
    reasonText: 'Werkzeugwechsel',
    comment: 'Matrize klemmte',
    state: MachineState.MACHINE_STATE_CHANGEOVER,
    assignedBy: 'operator:jürgen.weiß',
  }),
  roundTrip(
    'SetStopReasonResponse',
    api.SetStopReasonResponse,
    { stop: { ...fx.changeoverStop, microStop: true } },
    ['$.stop.interval.open'],
  ),

  // alert_service.proto
  roundTrip('ListAlertsRequest', api.ListAlertsRequest, {
    assetId: PRESS_ASSET_ID,
    siteId: 'acme/plant-1',
    statuses: [AlertStatus.ALERT_STATUS_OPEN, AlertStatus.ALERT_STATUS_ACKNOWLEDGED],
    ...fx.apiPage,
  }),
  roundTrip('ListAlertsResponse', api.ListAlertsResponse, {
    alerts: [bearingAlert, fx.acknowledgedAlert],
    ...fx.nextPage,
  }),
  roundTrip('AcknowledgeAlertRequest', api.AcknowledgeAlertRequest, {
    alertId: bearingAlert.alertId,
    actor: 'instandhaltung:zoë.müller',
    comment: 'Lager bestellt',
  }),
  roundTrip('AcknowledgeAlertResponse', api.AcknowledgeAlertResponse, { alert: fx.acknowledgedAlert }),
  roundTrip('ResolveAlertRequest', api.ResolveAlertRequest, {
    alertId: bearingAlert.alertId,
    actor: 'instandhaltung:zoë.müller',
    comment: 'Lager getauscht, v_rms 1,2 mm/s',
  }),
  roundTrip('ResolveAlertResponse', api.ResolveAlertResponse, { alert: bearingAlert }),
];

/** Paths of fields holding their type's default, where an encoder drops them and a lost field would not show. */
function defaultValuedPaths(value: unknown, path = '$'): string[] {
  if (value === undefined || value === '' || value === 0 || value === false) {
    return [path];
  }
  if (Array.isArray(value)) {
    return value.length === 0
      ? [path]
      : value.flatMap((item, index) => defaultValuedPaths(item, `${path}[${index}]`));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0
      ? [path]
      : entries.flatMap(([key, field]) => defaultValuedPaths(field, `${path}.${key}`));
  }
  return [];
}

describe.each(cases.map((testCase, index) => ({ ...testCase, index })))(
  'kiln.v1.$messageName (case $index)',
  (testCase) => {
    it('decodes its binary encoding to an equal message', () => {
      expect(testCase.viaBinary()).toStrictEqual(testCase.message);
    });

    it('reads its JSON back to an equal message', () => {
      expect(testCase.viaJson()).toStrictEqual(testCase.message);
    });

    it('sets every field to a non-default value, but where its meaning holds a default', () => {
      expect(defaultValuedPaths(testCase.message)).toEqual(testCase.defaultPaths);
    });
  },
);

describe('the kiln.v1 round-trip cases', () => {
  it('cover every message declared in proto/kiln/v1', () => {
    const tested = new Set(cases.map((testCase) => testCase.messageName));
    expect(protoMessageNames(API_PROTO_DIR).filter((name) => !tested.has(name))).toEqual([]);
  });

  it('carry microseconds of a Timestamp through binary (JSON keeps milliseconds only)', () => {
    const stopTime = { ...range, startTime: timestampFromMicros(SHIFT_START_US + 17) };
    const request = { assetId: PRESS_ASSET_ID, ...stopTime, ...fx.apiPage, withoutReasonOnly: false };
    const decoded = api.ListStopsRequest.decode(api.ListStopsRequest.encode(request).finish());
    expect(decoded).toStrictEqual(request);
  });
});

interface EnumCase {
  readonly enumName: string;
  readonly values: Readonly<Record<string, string | number>>;
  toJson(value: number): string;
  fromJson(json: unknown): number;
}

const enumCases: readonly EnumCase[] = [
  {
    enumName: 'AssetLevel',
    values: api.AssetLevel,
    toJson: api.assetLevelToJSON,
    fromJson: api.assetLevelFromJSON,
  },
  {
    enumName: 'SignalDataType',
    values: api.SignalDataType,
    toJson: api.signalDataTypeToJSON,
    fromJson: api.signalDataTypeFromJSON,
  },
  {
    enumName: 'Aggregate',
    values: api.Aggregate,
    toJson: api.aggregateToJSON,
    fromJson: api.aggregateFromJSON,
  },
];

function enumEntries(values: Readonly<Record<string, string | number>>): [string, number][] {
  return Object.entries(values).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

describe.each(enumCases)('enum kiln.v1.$enumName', ({ enumName, values, toJson, fromJson }) => {
  it('has exactly the values the .proto declares, starting with UNSPECIFIED = 0', () => {
    const declared = protoEnums(API_PROTO_DIR).get(enumName);
    expect(new Map(enumEntries(values))).toEqual(declared);
    expect(enumEntries(values)[0]?.[0]).toMatch(/_UNSPECIFIED$/);
  });

  it.each(enumEntries(values))('maps %s (%d) to JSON and back', (name, number) => {
    expect(toJson(number)).toBe(name);
    expect(fromJson(name)).toBe(number);
  });
});

describe('the kiln.v1 enum cases', () => {
  it('cover every enum declared in proto/kiln/v1', () => {
    const tested = new Set(enumCases.map((c) => c.enumName));
    expect([...protoEnums(API_PROTO_DIR).keys()].filter((name) => !tested.has(name))).toEqual([]);
  });
});

interface MethodDefinition {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

const serviceDefinitions: Readonly<Record<string, Readonly<Record<string, MethodDefinition>>>> = {
  AssetService: api.AssetServiceService,
  TelemetryService: api.TelemetryServiceService,
  OeeService: api.OeeServiceService,
  MachineStateService: api.MachineStateServiceService,
  AlertService: api.AlertServiceService,
};

const clients = {
  AssetService: api.AssetServiceClient,
  TelemetryService: api.TelemetryServiceClient,
  OeeService: api.OeeServiceClient,
  MachineStateService: api.MachineStateServiceClient,
  AlertService: api.AlertServiceClient,
};

/** The API as the gateway's clients see it: method path and whether the server streams the response. */
const expectedMethods: Readonly<
  Record<string, readonly (readonly [string, 'unary' | 'server-streaming'])[]>
> = {
  AssetService: [
    ['/kiln.v1.AssetService/GetAssetTree', 'unary'],
    ['/kiln.v1.AssetService/GetAsset', 'unary'],
    ['/kiln.v1.AssetService/ListAssets', 'unary'],
    ['/kiln.v1.AssetService/ListSignals', 'unary'],
    ['/kiln.v1.AssetService/UpsertAsset', 'unary'],
  ],
  TelemetryService: [
    ['/kiln.v1.TelemetryService/QueryRange', 'unary'],
    ['/kiln.v1.TelemetryService/GetLatest', 'unary'],
    ['/kiln.v1.TelemetryService/StreamLive', 'server-streaming'],
  ],
  OeeService: [
    ['/kiln.v1.OeeService/GetOee', 'unary'],
    ['/kiln.v1.OeeService/GetLosses', 'unary'],
    ['/kiln.v1.OeeService/StreamLiveOee', 'server-streaming'],
  ],
  MachineStateService: [
    ['/kiln.v1.MachineStateService/GetStateTimeline', 'unary'],
    ['/kiln.v1.MachineStateService/ListStops', 'unary'],
    ['/kiln.v1.MachineStateService/SetStopReason', 'unary'],
  ],
  AlertService: [
    ['/kiln.v1.AlertService/ListAlerts', 'unary'],
    ['/kiln.v1.AlertService/AcknowledgeAlert', 'unary'],
    ['/kiln.v1.AlertService/ResolveAlert', 'unary'],
  ],
};

function methodsOf(definition: Readonly<Record<string, MethodDefinition>>): [string, string][] {
  return Object.values(definition).map((method) => {
    expect(method.requestStream).toBe(false);
    return [method.path, method.responseStream ? 'server-streaming' : 'unary'];
  });
}

describe.each(Object.keys(expectedMethods))('the service definition of kiln.v1.%s', (service) => {
  it('has exactly the expected method paths and streaming kinds', () => {
    expect(methodsOf(serviceDefinitions[service] ?? {})).toEqual(expectedMethods[service]);
  });

  it('has a client constructor bound to the service', () => {
    expect(clients[service as keyof typeof clients].serviceName).toBe(`kiln.v1.${service}`);
  });
});

describe('the kiln.v1 service definitions', () => {
  it('match every rpc the .proto files declare', () => {
    const declared = protoRpcs(API_PROTO_DIR).map((rpc) => [
      `/kiln.v1.${rpc.service}/${rpc.method}`,
      rpc.serverStreaming ? 'server-streaming' : 'unary',
    ]);
    const byPath = (left: readonly string[], right: readonly string[]) =>
      (left[0] ?? '').localeCompare(right[0] ?? '');
    expect(declared.sort(byPath)).toEqual([...Object.values(expectedMethods).flat()].sort(byPath));
  });
});

describe('Timestamps of the API and microsecond event times', () => {
  it.each([
    ['the start of a shift', SHIFT_START_US + 17],
    ['the epoch', 0],
    ['before the epoch', -1_500_001],
    ['the largest exact microsecond time', LATEST_EXACT_US],
  ])('convert %s both ways exactly', (_label, epochUs) => {
    const timestamp = timestampFromMicros(epochUs);
    expect(timestamp.nanos).toBeGreaterThanOrEqual(0);
    expect(timestamp.nanos).toBeLessThan(1_000_000_000);
    expect(microsFromTimestamp(timestamp)).toBe(epochUs);
  });

  it('cuts nanoseconds below a microsecond off towards the past', () => {
    expect(microsFromTimestamp({ seconds: 1, nanos: 999 })).toBe(1_000_000);
    expect(microsFromTimestamp({ seconds: -1, nanos: 999_999_999 })).toBe(-1);
  });
});

describe('a grpc-js server and client of the API', () => {
  const server = new Server();
  let client: api.OeeServiceClient;

  const oee: api.OeeServiceServer = {
    getOee(
      call: ServerUnaryCall<api.GetOeeRequest, api.GetOeeResponse>,
      done: sendUnaryData<api.GetOeeResponse>,
    ) {
      done(null, { windows: [{ ...shiftOeeResult, assetId: call.request.assetId }] });
    },
    getLosses(_call, done) {
      done(null, { result: fx.rangeOeeResult, stopBreakdown: [fx.breakdownStops] });
    },
    streamLiveOee(call: ServerWritableStream<api.StreamLiveOeeRequest, api.StreamLiveOeeResponse>) {
      for (const assetId of call.request.assetIds) call.write({ results: [{ ...shiftOeeResult, assetId }] });
      call.end();
    },
  };

  beforeAll(async () => {
    server.addService(api.OeeServiceService, oee);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new api.OeeServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it('answers a unary call', async () => {
    const request: api.GetOeeRequest = {
      assetId: PRESS_ASSET_ID,
      ...range,
      granularity: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
    };
    const response = await new Promise<api.GetOeeResponse>((resolve, reject) =>
      client.getOee(request, (error: ServiceError | null, value: api.GetOeeResponse) =>
        error ? reject(error) : resolve(value),
      ),
    );
    expect(response).toStrictEqual({ windows: [shiftOeeResult] });
  });

  it('streams live results to the end', async () => {
    const assetIds = [PRESS_ASSET_ID, fx.LINE_2_ID];
    const received: api.StreamLiveOeeResponse[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.streamLiveOee({ assetIds, windowKinds: [] });
      stream.on('data', (message: api.StreamLiveOeeResponse) => received.push(message));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    expect(received.map((message) => message.results.map((result) => result.assetId))).toEqual([
      [PRESS_ASSET_ID],
      [fx.LINE_2_ID],
    ]);
  });
});
