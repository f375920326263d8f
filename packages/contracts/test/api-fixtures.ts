// Realistic requests and responses of the kiln.v1 query API. Like fixtures.ts, every field holds a non-default
// value where the message's meaning allows it. Times are whole milliseconds: ts-proto writes a Timestamp to JSON
// through Date, which keeps milliseconds only (binary keeps nanoseconds, see api.test.ts).
import { AlertStatus, api, MachineState, OeeWindowKind, Quality, timestampFromMicros } from '../src';
import { bearingAlert, PRESS_ASSET_ID, SHIFT_START_US, shiftOeeResult } from './fixtures';

const MS_US = 1_000;

/** An API time whole milliseconds after the start of the early shift; not whole seconds, as 0 nanos is a default. */
export function shiftTime(offsetMs: number): api.Timestamp {
  return timestampFromMicros(SHIFT_START_US + offsetMs * MS_US);
}

const LINE_ID = 'acme/plant-1/pressing/line-2';
const PAGE_TOKEN = 'eyJhZnRlciI6ImFjbWUvcGxhbnQtMS9wcmVzc2luZy9saW5lLTIifQ';

// asset_service.proto

export const pressAsset: api.Asset = {
  id: PRESS_ASSET_ID,
  name: 'Presse 04 – Schuler 800 t',
  level: api.AssetLevel.ASSET_LEVEL_ASSET,
  parentId: LINE_ID,
  type: 'press',
  description: 'Servopresse, Linie 2 (プレス)',
  defaultIdealCycleTimeS: 4.5,
  microStopThresholdS: 90,
  signalCount: 12,
  // Kiln fills time_zone on sites only; the wire carries it on any asset, and a fully populated fixture sets it.
  timeZone: 'Europe/Berlin',
};

export const lineAsset: api.Asset = {
  id: LINE_ID,
  name: 'Linie 2',
  level: api.AssetLevel.ASSET_LEVEL_LINE,
  parentId: 'acme/plant-1/pressing',
  type: 'press-line',
  description: 'Tandemlinie',
  defaultIdealCycleTimeS: 5,
  microStopThresholdS: 120,
  signalCount: 1,
  timeZone: 'America/Chicago',
};

export const oilTemperatureSignal: api.Signal = {
  assetId: PRESS_ASSET_ID,
  name: 'oil-temperature',
  unit: 'Cel',
  dataType: api.SignalDataType.SIGNAL_DATA_TYPE_NUMBER,
  description: 'Hydrauliköl, Tank 1',
};

/** The line with its press; the press is the leaf at the requested depth, so its own children stay empty. */
export const lineTree: api.AssetTreeNode = {
  asset: lineAsset,
  children: [{ asset: pressAsset, children: [], hasMoreChildren: true }],
  hasMoreChildren: true,
};
/** The paths of lineTree that hold defaults by nature: a leaf of the depth has no children listed. */
export const LINE_TREE_LEAF_PATHS = ['$.children[0].children'];

// telemetry_service.proto

export const oilTemperatureRef: api.SignalRef = { assetId: PRESS_ASSET_ID, signal: 'oil-temperature' };
export const alarmTextRef: api.SignalRef = { assetId: PRESS_ASSET_ID, signal: 'alarm-text' };

export const temperatureBucket: api.Bucket = {
  startTime: shiftTime(60_125),
  avg: 41.25,
  min: -3.5,
  max: 87.125,
  last: 44.0625,
  count: 4_294_967_301,
};

export const temperatureSeries: api.Series = {
  signal: oilTemperatureRef,
  unit: 'Cel',
  buckets: [temperatureBucket, { ...temperatureBucket, startTime: shiftTime(120_125), avg: 42.5 }],
};

export const latestTemperature: api.SignalValue = {
  signal: oilTemperatureRef,
  value: { kind: { $case: 'numberValue', value: -12.75 } },
  quality: Quality.QUALITY_UNCERTAIN,
  time: shiftTime(3_723_004),
  unit: 'Cel',
};

export const latestAlarmText: api.SignalValue = {
  signal: alarmTextRef,
  value: { kind: { $case: 'stringValue', value: 'Ölstand niedrig 🛢️' } },
  quality: Quality.QUALITY_GOOD,
  time: shiftTime(3_723_005),
  unit: '1',
};

// oee_service.proto

export const breakdownStops: api.StopTimeBreakdown = {
  state: MachineState.MACHINE_STATE_BREAKDOWN,
  reasonCode: 'E-4711',
  reasonText: 'Hydraulikpumpe überhitzt 🔥',
  stopTimeS: 1_380.5,
  stopCount: 3,
  microStops: true,
};

export const rangeOeeResult = { ...shiftOeeResult, windowKind: OeeWindowKind.OEE_WINDOW_KIND_RANGE };

// machine_state_service.proto

/** A closed interval: it has an end, so `open` holds its default (false). */
export const changeoverInterval: api.StateInterval = {
  assetId: PRESS_ASSET_ID,
  state: MachineState.MACHINE_STATE_CHANGEOVER,
  reasonCode: 'CO-12',
  reasonText: 'Werkzeugwechsel – Matrize 3 (金型交換)',
  startTime: shiftTime(7_200_017),
  endTime: shiftTime(8_280_517),
  durationS: 1_080.5,
  open: false,
};

/** An open interval: no end yet. */
export const runningInterval: api.StateInterval = {
  assetId: PRESS_ASSET_ID,
  state: MachineState.MACHINE_STATE_RUNNING,
  reasonCode: 'RUN',
  reasonText: 'Automatik',
  startTime: shiftTime(8_280_517),
  endTime: undefined,
  durationS: 812.25,
  open: true,
};

export const changeoverStop: api.Stop = {
  stopId: `${PRESS_ASSET_ID}@${SHIFT_START_US + 7_200_017 * MS_US}`,
  interval: changeoverInterval,
  microStop: false,
  comment: 'Matrize klemmte, Schicht-Lead informiert',
  reasonAssignedBy: 'operator:jürgen.weiß',
  reasonAssignedTime: shiftTime(10_800_500),
};

// alert_service.proto

export const acknowledgedAlert = {
  ...bearingAlert,
  status: AlertStatus.ALERT_STATUS_ACKNOWLEDGED,
  details: { ...bearingAlert.details, comment: 'Lager bestellt' },
};

export const apiPage = { pageSize: 50, pageToken: PAGE_TOKEN };
export const nextPage = { nextPageToken: `${PAGE_TOKEN}2` };
export const LINE_2_ID = LINE_ID;
