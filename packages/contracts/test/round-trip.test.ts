// Every message of proto/kiln/events/v1 survives binary and JSON encoding unchanged. Fixtures fill every field
// with a non-default value, so a field lost by the generated code (or by a careless edit of the .proto) shows.
import {
  AlertSeverity,
  alertSeverityFromJSON,
  alertSeverityToJSON,
  AlertStatus,
  alertStatusFromJSON,
  alertStatusToJSON,
  DoubleArray,
  MachineState,
  MachineStateChange,
  MachineStateEvent,
  machineStateFromJSON,
  machineStateToJSON,
  AssetHealth,
  MaintenanceAlert,
  MaintenanceAlert_DetailsEntry,
  SignalHealth,
  type MessageCodec,
  OeeResult,
  OeeSettings,
  OeeWindowKind,
  oeeWindowKindFromJSON,
  oeeWindowKindToJSON,
  OrderStatus,
  orderStatusFromJSON,
  orderStatusToJSON,
  PlannedBreak,
  ProductionCountBatch,
  ProductionCountDelta,
  ProductionOrder,
  Quality,
  qualityFromJSON,
  qualityToJSON,
  RawSample,
  RawSampleBatch,
  RemainingUsefulLife,
  Shift,
  SixBigLosses,
  StopReasonAssignment,
  TelemetryBatch,
  TelemetryPoint,
  Value,
} from '../src';
import * as fixture from './fixtures';
import { protoEnums, protoMessageNames } from './proto-schema';

interface RoundTripCase {
  /** The protobuf message name, as declared in the .proto file. */
  readonly messageName: string;
  readonly label: string;
  readonly message: unknown;
  /** False for cases that are deliberately sparse (empty repeated fields, unset oneofs, absent optionals). */
  readonly fullyPopulated: boolean;
  viaBinary(): unknown;
  viaJson(): unknown;
}

function roundTrip<T>(
  messageName: string,
  codec: MessageCodec<T>,
  label: string,
  message: T,
  fullyPopulated = true,
): RoundTripCase {
  return {
    messageName,
    label,
    message,
    fullyPopulated,
    viaBinary: () => codec.decode(codec.encode(message).finish()),
    // Through a JSON string, as it would travel over HTTP, not just through the object toJSON returns.
    viaJson: () => codec.fromJSON(JSON.parse(JSON.stringify(codec.toJSON(message)))),
  };
}

function value(kind: Value['kind']): Value {
  return { kind };
}

const cases: readonly RoundTripCase[] = [
  // common.proto
  roundTrip('DoubleArray', DoubleArray, 'a vibration block with extreme doubles', fixture.vibrationBlock),
  roundTrip('DoubleArray', DoubleArray, 'an empty block', { values: [] }, false),
  roundTrip('DoubleArray', DoubleArray, 'a block with sensor faults (NaN, ±Infinity)', {
    values: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1.5],
  }),
  roundTrip('Value', Value, 'a negative number', value({ $case: 'numberValue', value: -273.15 })),
  roundTrip('Value', Value, 'a NaN number', value({ $case: 'numberValue', value: Number.NaN })),
  roundTrip('Value', Value, 'an integer beyond 2^32', value({ $case: 'intValue', value: 4_294_967_301 })),
  roundTrip(
    'Value',
    Value,
    'the largest exact integer',
    value({ $case: 'intValue', value: Number.MAX_SAFE_INTEGER }),
  ),
  roundTrip(
    'Value',
    Value,
    'the smallest exact integer',
    value({ $case: 'intValue', value: Number.MIN_SAFE_INTEGER }),
  ),
  roundTrip('Value', Value, 'a flag', value({ $case: 'boolValue', value: true })),
  roundTrip(
    'Value',
    Value,
    'a unicode text',
    value({ $case: 'stringValue', value: 'Presse läuft – 稼働中 ✅ 𝔘' }),
  ),
  roundTrip('Value', Value, 'a waveform', value({ $case: 'arrayValue', value: fixture.vibrationBlock })),
  // A oneof member holding its type's default is still set: a reading of 0 is not a missing reading.
  roundTrip('Value', Value, 'a number of 0', value({ $case: 'numberValue', value: 0 }), false),
  roundTrip('Value', Value, 'an integer of 0', value({ $case: 'intValue', value: 0 }), false),
  roundTrip('Value', Value, 'a false flag', value({ $case: 'boolValue', value: false }), false),
  roundTrip('Value', Value, 'an empty text', value({ $case: 'stringValue', value: '' }), false),
  roundTrip(
    'Value',
    Value,
    'an empty waveform',
    value({ $case: 'arrayValue', value: { values: [] } }),
    false,
  ),
  roundTrip('Value', Value, 'no value at all', value(undefined), false),

  // raw.proto
  roundTrip('RawSample', RawSample, 'an uncertain OPC UA number', fixture.oilTemperatureSample),
  roundTrip('RawSample', RawSample, 'a counter beyond 2^32', fixture.strokeCounterSample),
  roundTrip('RawSample', RawSample, 'a bad-quality text near 2^53 µs', fixture.alarmTextSample),
  roundTrip('RawSample', RawSample, 'a flag', fixture.doorClosedSample),
  roundTrip(
    'RawSample',
    RawSample,
    'a current value (historical absent)',
    { ...fixture.doorClosedSample, historical: undefined },
    false,
  ),
  roundTrip('RawSampleBatch', RawSampleBatch, 'a batch of one source', fixture.rawSampleBatch),
  roundTrip(
    'RawSampleBatch',
    RawSampleBatch,
    'an empty batch',
    { ...fixture.rawSampleBatch, samples: [] },
    false,
  ),

  // telemetry.proto
  roundTrip('TelemetryPoint', TelemetryPoint, 'a waveform point', fixture.vibrationPoint),
  roundTrip('TelemetryPoint', TelemetryPoint, 'a negative temperature', fixture.temperaturePoint),
  roundTrip('TelemetryBatch', TelemetryBatch, 'a batch of a unicode asset', fixture.telemetryBatch),
  roundTrip(
    'TelemetryBatch',
    TelemetryBatch,
    'an empty batch',
    { ...fixture.telemetryBatch, points: [] },
    false,
  ),

  // machine_state.proto
  roundTrip('MachineStateChange', MachineStateChange, 'a breakdown', fixture.breakdownChange),
  roundTrip('StopReasonAssignment', StopReasonAssignment, 'a changeover', fixture.changeoverAssignment),
  roundTrip('MachineStateEvent', MachineStateEvent, 'the change branch', fixture.stateChangeEvent),
  roundTrip('MachineStateEvent', MachineStateEvent, 'the reason branch', fixture.reasonAssignmentEvent),
  roundTrip(
    'MachineStateEvent',
    MachineStateEvent,
    'no branch',
    { assetId: fixture.PRESS_ASSET_ID, event: undefined },
    false,
  ),

  // production_count.proto
  roundTrip('ProductionCountDelta', ProductionCountDelta, 'whole parts', fixture.firstCountDelta),
  roundTrip('ProductionCountDelta', ProductionCountDelta, 'fractional kilograms', fixture.secondCountDelta),
  roundTrip('ProductionCountDelta', ProductionCountDelta, 'a point count', fixture.pointCountDelta, false),
  roundTrip('ProductionCountBatch', ProductionCountBatch, 'two deltas', fixture.productionCountBatch),
  roundTrip(
    'ProductionCountBatch',
    ProductionCountBatch,
    'no deltas',
    { ...fixture.productionCountBatch, deltas: [] },
    false,
  ),

  // erp.proto
  roundTrip('ProductionOrder', ProductionOrder, 'a completed order', fixture.productionOrder),
  roundTrip('PlannedBreak', PlannedBreak, 'a breakfast break', fixture.breakfastBreak),
  roundTrip('PlannedBreak', PlannedBreak, 'a break ending near 2^53 µs', fixture.mealBreak),
  roundTrip('Shift', Shift, 'a cancelled shift with breaks', fixture.earlyShift),
  roundTrip(
    'Shift',
    Shift,
    'a shift without breaks',
    { ...fixture.earlyShift, breaks: [], cancelled: false },
    false,
  ),

  // oee.proto
  roundTrip('OeeSettings', OeeSettings, 'vendor settings', fixture.oeeSettings),
  roundTrip('SixBigLosses', SixBigLosses, 'losses of a shift', fixture.sixBigLosses),
  roundTrip('OeeResult', OeeResult, 'a shift with every KPI', fixture.shiftOeeResult),
  roundTrip('OeeResult', OeeResult, 'an idle hour without KPIs', fixture.idleOeeResult, false),
  roundTrip('OeeResult', OeeResult, 'KPIs of exactly 0', fixture.zeroKpiOeeResult, false),
  roundTrip(
    'OeeResult',
    OeeResult,
    'no losses and no settings',
    { ...fixture.shiftOeeResult, losses: undefined, settings: undefined },
    false,
  ),

  // maintenance.proto
  roundTrip('RemainingUsefulLife', RemainingUsefulLife, 'an interval', fixture.remainingUsefulLife),
  roundTrip('MaintenanceAlert', MaintenanceAlert, 'a resolved alert', fixture.bearingAlert),
  roundTrip(
    'MaintenanceAlert',
    MaintenanceAlert,
    'a new alert without health, RUL or details',
    {
      ...fixture.bearingAlert,
      status: AlertStatus.ALERT_STATUS_OPEN,
      resolvedTimeUs: 0,
      healthIndex: undefined,
      rul: undefined,
      actor: '',
      details: {},
    },
    false,
  ),
  roundTrip(
    'MaintenanceAlert',
    MaintenanceAlert,
    'a health index of 0',
    { ...fixture.bearingAlert, healthIndex: 0 },
    false,
  ),
  roundTrip('SignalHealth', SignalHealth, 'a vibration zone', fixture.vibrationHealth),
  roundTrip('AssetHealth', AssetHealth, 'signals and RUL', fixture.pressHealth),
  roundTrip(
    'AssetHealth',
    AssetHealth,
    'while learning, without RUL or signals',
    { ...fixture.pressHealth, healthIndex: 100, rul: undefined, baselineReady: false, signals: [] },
    false,
  ),
  roundTrip('MaintenanceAlert_DetailsEntry', MaintenanceAlert_DetailsEntry, 'a map entry', {
    key: 'ölstand',
    value: 'niedrig 🛢️',
  }),
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

describe.each(cases)('$messageName: $label', (testCase) => {
  it('decodes its binary encoding to an equal message', () => {
    expect(testCase.viaBinary()).toStrictEqual(testCase.message);
  });

  it('reads its JSON back to an equal message', () => {
    expect(testCase.viaJson()).toStrictEqual(testCase.message);
  });

  if (testCase.fullyPopulated) {
    it('sets every field to a non-default value, so that a dropped field would show', () => {
      expect(defaultValuedPaths(testCase.message)).toEqual([]);
    });
  }
});

describe('the round-trip cases', () => {
  const tested = new Set(cases.map((testCase) => testCase.messageName));

  it('cover every message declared in proto/kiln/events/v1', () => {
    const untested = protoMessageNames().filter((name) => !tested.has(name));
    expect(untested).toEqual([]);
  });

  it('fill every field of every message in at least one case', () => {
    const populated = new Set(cases.filter((c) => c.fullyPopulated).map((c) => c.messageName));
    expect([...tested].filter((name) => !populated.has(name))).toEqual([]);
  });

  it('find the messages in the proto files (the parser still works)', () => {
    expect(protoMessageNames()).toEqual(
      expect.arrayContaining(['RawSampleBatch', 'OeeResult', 'MaintenanceAlert']),
    );
  });
});

interface EnumCase {
  readonly enumName: string;
  readonly values: Readonly<Record<string, string | number>>;
  toJson(value: number): string;
  fromJson(json: unknown): number;
}

const enumCases: readonly EnumCase[] = [
  { enumName: 'Quality', values: Quality, toJson: qualityToJSON, fromJson: qualityFromJSON },
  { enumName: 'OrderStatus', values: OrderStatus, toJson: orderStatusToJSON, fromJson: orderStatusFromJSON },
  {
    enumName: 'MachineState',
    values: MachineState,
    toJson: machineStateToJSON,
    fromJson: machineStateFromJSON,
  },
  {
    enumName: 'AlertSeverity',
    values: AlertSeverity,
    toJson: alertSeverityToJSON,
    fromJson: alertSeverityFromJSON,
  },
  { enumName: 'AlertStatus', values: AlertStatus, toJson: alertStatusToJSON, fromJson: alertStatusFromJSON },
  {
    enumName: 'OeeWindowKind',
    values: OeeWindowKind,
    toJson: oeeWindowKindToJSON,
    fromJson: oeeWindowKindFromJSON,
  },
];

/** The name → number entries of a TypeScript numeric enum (without its reverse mapping). */
function enumEntries(values: Readonly<Record<string, string | number>>): [string, number][] {
  return Object.entries(values).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

describe.each(enumCases)('enum $enumName', ({ enumName, values, toJson, fromJson }) => {
  it('has exactly the values the .proto declares', () => {
    const declared = protoEnums().get(enumName);
    expect(new Map(enumEntries(values))).toEqual(declared);
  });

  it.each(enumEntries(values))('maps %s (%d) to JSON and back', (name, number) => {
    expect(toJson(number)).toBe(name);
    expect(fromJson(name)).toBe(number);
    expect(fromJson(number)).toBe(number);
  });
});

describe('the enum cases', () => {
  it('cover every enum declared in proto/kiln/events/v1', () => {
    const tested = new Set(enumCases.map((c) => c.enumName));
    expect([...protoEnums().keys()].filter((name) => !tested.has(name))).toEqual([]);
  });

  it('carry every value of each enum through a message', () => {
    for (const [, quality] of enumEntries(Quality)) {
      const sample = { ...fixture.oilTemperatureSample, quality };
      expect(RawSample.decode(RawSample.encode(sample).finish())).toStrictEqual(sample);
    }
    for (const [, state] of enumEntries(MachineState)) {
      const change = { ...fixture.breakdownChange, state };
      expect(MachineStateChange.decode(MachineStateChange.encode(change).finish())).toStrictEqual(change);
    }
    for (const [, status] of enumEntries(OrderStatus)) {
      const order = { ...fixture.productionOrder, status };
      expect(ProductionOrder.decode(ProductionOrder.encode(order).finish())).toStrictEqual(order);
    }
    for (const [, windowKind] of enumEntries(OeeWindowKind)) {
      const result = { ...fixture.shiftOeeResult, windowKind };
      expect(OeeResult.decode(OeeResult.encode(result).finish())).toStrictEqual(result);
    }
    for (const [, severity] of enumEntries(AlertSeverity)) {
      for (const [, status] of enumEntries(AlertStatus)) {
        const alert = { ...fixture.bearingAlert, severity, status };
        expect(MaintenanceAlert.decode(MaintenanceAlert.encode(alert).finish())).toStrictEqual(alert);
      }
    }
  });
});

describe('int64 microsecond times', () => {
  it('refuse to decode a time beyond 2^53 rather than round it silently', () => {
    const bytes = PlannedBreak.encode({ ...fixture.breakfastBreak, endUs: 2 ** 53 + 2 }).finish();
    expect(() => PlannedBreak.decode(bytes)).toThrow(/MAX_SAFE_INTEGER/);
  });
});
