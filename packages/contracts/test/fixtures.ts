// Realistic, fully populated event messages: every field holds a non-default value, so that a field dropped by
// an encoder, decoder or JSON mapping shows up as a difference. Times are UTC microseconds (common.proto).
import {
  AlertSeverity,
  AlertStatus,
  type DoubleArray,
  MachineState,
  type MachineStateChange,
  type MachineStateEvent,
  type AssetHealth,
  type MaintenanceAlert,
  type SignalHealth,
  type OeeResult,
  type OeeSettings,
  OeeWindowKind,
  OrderStatus,
  type PlannedBreak,
  type ProductionCountBatch,
  type ProductionCountDelta,
  type ProductionOrder,
  Quality,
  type RawSample,
  type RawSampleBatch,
  type RemainingUsefulLife,
  type Shift,
  type SixBigLosses,
  type StopReasonAssignment,
  type TelemetryBatch,
  type TelemetryPoint,
} from '../src';

/** 2026-11-24T06:00:00Z, the start of the early shift; already far beyond 2^32. */
export const SHIFT_START_US = 1_795_500_000_000_000;
const MINUTE_US = 60_000_000;
const HOUR_US = 60 * MINUTE_US;
/** The largest microsecond time a JavaScript number holds exactly (year 2255). */
export const LATEST_EXACT_US = Number.MAX_SAFE_INTEGER;

export const PRESS_ASSET_ID = 'acme/plant-1/pressing/line-2/press-04';
/** ISA-95 paths may carry the plant's own language. */
export const UNICODE_ASSET_ID = 'acme/werk-münchen/presserei/linie-2/presse-04';
export const PLC_SOURCE_ID = 'opcua/line-2-plc';

// OPC UA StatusCodes above 2^31, to catch a uint32 read back as a signed int32.
const OPCUA_BAD_COMMUNICATION_ERROR = 0x8005_0000;
const OPCUA_UNCERTAIN_LAST_USABLE_VALUE = 0x4090_0000;

/** A vibration block: signed accelerations, the smallest subnormal and the largest finite double. */
export const vibrationBlock: DoubleArray = {
  values: [-3.75, 12.0625, -0.001953125, Number.MIN_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE, 7.1e-7],
};

export const oilTemperatureSample: RawSample = {
  tag: 'ns=3;s="Press04"."Hydraulics"."OilTemp_°C"',
  value: { kind: { $case: 'numberValue', value: -12.75 } },
  quality: Quality.QUALITY_UNCERTAIN,
  statusCode: OPCUA_UNCERTAIN_LAST_USABLE_VALUE,
  sourceTimeUs: SHIFT_START_US + 1_234_567,
  receiveTimeUs: SHIFT_START_US + 1_240_001,
  historical: true,
};

export const strokeCounterSample: RawSample = {
  tag: 'ns=3;s="Press04"."Counters"."StrokeTotal"',
  value: { kind: { $case: 'intValue', value: 4_294_967_301 } },
  quality: Quality.QUALITY_GOOD,
  statusCode: 0x0040_0000,
  sourceTimeUs: SHIFT_START_US + 1_234_999,
  receiveTimeUs: SHIFT_START_US + 1_240_002,
  historical: true,
};

export const alarmTextSample: RawSample = {
  tag: 'ns=3;s="Press04"."HMI"."AlarmText"',
  value: { kind: { $case: 'stringValue', value: 'Störung: Öldruck niedrig ⚠️ 油压低 🛢️' } },
  quality: Quality.QUALITY_BAD,
  statusCode: OPCUA_BAD_COMMUNICATION_ERROR,
  sourceTimeUs: LATEST_EXACT_US - 1,
  receiveTimeUs: LATEST_EXACT_US,
  historical: true,
};

export const doorClosedSample: RawSample = {
  tag: 'ns=3;s="Press04"."Safety"."DoorClosed"',
  value: { kind: { $case: 'boolValue', value: true } },
  quality: Quality.QUALITY_GOOD,
  statusCode: 1,
  sourceTimeUs: SHIFT_START_US + 2_000_000,
  receiveTimeUs: SHIFT_START_US + 2_000_350,
  historical: true,
};

export const rawSampleBatch: RawSampleBatch = {
  sourceId: PLC_SOURCE_ID,
  connector: 'opcua',
  samples: [oilTemperatureSample, strokeCounterSample, alarmTextSample, doorClosedSample],
};

export const vibrationPoint: TelemetryPoint = {
  signal: 'vibration-velocity',
  value: { kind: { $case: 'arrayValue', value: vibrationBlock } },
  quality: Quality.QUALITY_GOOD,
  timeUs: SHIFT_START_US + 5 * MINUTE_US + 125,
  receiveTimeUs: SHIFT_START_US + 5 * MINUTE_US + 9_871,
  unit: 'mm/s',
};

export const temperaturePoint: TelemetryPoint = {
  signal: 'öl-temperatur',
  value: { kind: { $case: 'numberValue', value: -12.75 } },
  quality: Quality.QUALITY_UNCERTAIN,
  timeUs: LATEST_EXACT_US,
  receiveTimeUs: LATEST_EXACT_US - 999,
  unit: 'Cel',
};

export const telemetryBatch: TelemetryBatch = {
  assetId: UNICODE_ASSET_ID,
  points: [vibrationPoint, temperaturePoint],
};

export const breakdownChange: MachineStateChange = {
  state: MachineState.MACHINE_STATE_BREAKDOWN,
  startTimeUs: SHIFT_START_US + 2 * HOUR_US + 17,
  reasonCode: 'E-4711',
  reasonText: 'Hydraulikpumpe überhitzt 🔥',
  sourceCode: '0x0042',
};

export const changeoverAssignment: StopReasonAssignment = {
  stopStartTimeUs: SHIFT_START_US + 2 * HOUR_US + 17,
  reasonCode: 'CO-12',
  reasonText: 'Werkzeugwechsel – Matrize 3 (金型交換)',
  state: MachineState.MACHINE_STATE_CHANGEOVER,
  assignedBy: 'operator:jürgen.weiß',
  assignedTimeUs: LATEST_EXACT_US,
};

export const stateChangeEvent: MachineStateEvent = {
  assetId: PRESS_ASSET_ID,
  event: { $case: 'change', value: breakdownChange },
};

export const reasonAssignmentEvent: MachineStateEvent = {
  assetId: UNICODE_ASSET_ID,
  event: { $case: 'reason', value: changeoverAssignment },
};

export const firstCountDelta: ProductionCountDelta = {
  timeUs: SHIFT_START_US + 10 * MINUTE_US,
  totalCount: 120,
  goodCount: 117,
  scrapCount: 3,
  orderId: '000004711/0010',
  // The parts of (interval start, time]: the previous counter reading a minute earlier.
  intervalStartUs: SHIFT_START_US + 9 * MINUTE_US,
};

/** Counts in the order's quantity unit (kg) need not be whole. */
export const secondCountDelta: ProductionCountDelta = {
  timeUs: LATEST_EXACT_US,
  totalCount: 12.5,
  goodCount: 12.25,
  scrapCount: 0.25,
  orderId: 'Auftrag-Ä-17',
  intervalStartUs: LATEST_EXACT_US - 30_000_000,
};

/** No interval start: a point count at its time, as every delta before the field existed. */
export const pointCountDelta: ProductionCountDelta = {
  timeUs: SHIFT_START_US + 20 * MINUTE_US,
  totalCount: 60,
  goodCount: 60,
  scrapCount: 0,
  orderId: '',
  intervalStartUs: undefined,
};

export const productionCountBatch: ProductionCountBatch = {
  assetId: PRESS_ASSET_ID,
  deltas: [firstCountDelta, secondCountDelta],
};

export const productionOrder: ProductionOrder = {
  assetId: PRESS_ASSET_ID,
  orderId: '000004711',
  operationId: '0010',
  material: 'BRK-7731-A',
  materialDescription: 'Bremsträger links, verzinkt – 制动支架',
  targetQuantity: 2_500,
  quantityUnit: '1',
  idealCycleTimeS: 2.4,
  status: OrderStatus.ORDER_STATUS_COMPLETED,
  scheduledStartUs: SHIFT_START_US,
  scheduledEndUs: SHIFT_START_US + 8 * HOUR_US,
  actualStartUs: SHIFT_START_US + 7 * MINUTE_US + 3,
  actualEndUs: SHIFT_START_US + 7 * HOUR_US + 59 * MINUTE_US + 999_999,
  erpSystem: 'SAP S/4HANA PRD/100',
  changedTimeUs: LATEST_EXACT_US,
};

export const breakfastBreak: PlannedBreak = {
  startUs: SHIFT_START_US + 3 * HOUR_US,
  endUs: SHIFT_START_US + 3 * HOUR_US + 15 * MINUTE_US,
  reason: 'Frühstückspause',
};

export const mealBreak: PlannedBreak = {
  startUs: LATEST_EXACT_US - 30 * MINUTE_US,
  endUs: LATEST_EXACT_US,
  reason: 'meal 🍱',
};

export const earlyShift: Shift = {
  assetId: PRESS_ASSET_ID,
  shiftId: '2026-11-24/early',
  name: 'Frühschicht',
  startUs: SHIFT_START_US,
  endUs: SHIFT_START_US + 8 * HOUR_US,
  breaks: [breakfastBreak, mealBreak],
  cancelled: true,
  erpSystem: 'SAP S/4HANA PRD/100',
  changedTimeUs: SHIFT_START_US - 36 * HOUR_US + 1,
};

export const oeeSettings: OeeSettings = {
  microStopThresholdS: 120,
  noOrderIsPlanned: true,
  defaultIdealCycleTimeS: 2.4,
  plannedStopsInAvailability: true,
  startupPeriodS: 900,
};

export const sixBigLosses: SixBigLosses = {
  breakdownS: 1_260.5,
  setupAdjustmentS: 900,
  smallStopsS: 187.25,
  reducedSpeedS: 342.125,
  startupRejectsS: 7.2,
  productionRejectsS: 14.4,
};

export const shiftOeeResult: OeeResult = {
  assetId: PRESS_ASSET_ID,
  windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
  windowStartUs: SHIFT_START_US,
  windowEndUs: SHIFT_START_US + 8 * HOUR_US,
  windowRef: '2026-11-24/early',
  calendarTimeS: 28_800,
  plannedBusyTimeS: 27_900,
  actualProductionTimeS: 25_739.5,
  unplannedStopTimeS: 2_160.5,
  offlineTimeS: 12.75,
  microStopCount: 37,
  microStopTimeS: 187.25,
  totalCount: 10_250,
  goodCount: 10_229,
  scrapCount: 21,
  idealProductionTimeS: 24_600,
  availability: 0.922562724014337,
  performance: 1.0625,
  quality: 0.9979512195121951,
  oee: 0.9781963,
  teep: 0.9476,
  losses: sixBigLosses,
  mtbfS: 12_869.75,
  mttrS: 1_080.25,
  settings: oeeSettings,
  revision: 3,
  computedTimeUs: LATEST_EXACT_US,
  performanceAboveIdeal: true,
  timeZone: 'Europe/Berlin',
};

/** A window without planned busy time: every ratio and the MTBF/MTTR are absent rather than NaN. */
export const idleOeeResult: OeeResult = {
  ...shiftOeeResult,
  windowKind: OeeWindowKind.OEE_WINDOW_KIND_HOUR,
  windowRef: '',
  plannedBusyTimeS: 0,
  actualProductionTimeS: 0,
  totalCount: 0,
  goodCount: 0,
  scrapCount: 0,
  availability: undefined,
  performance: undefined,
  quality: undefined,
  oee: undefined,
  teep: undefined,
  mtbfS: undefined,
  mttrS: undefined,
  performanceAboveIdeal: false,
};

/** A window that ran but produced nothing good: ratios of exactly 0 are present, not absent. */
export const zeroKpiOeeResult: OeeResult = {
  ...shiftOeeResult,
  availability: 0,
  performance: 0,
  quality: 0,
  oee: 0,
  teep: 0,
  mtbfS: 0,
  mttrS: 0,
};

export const remainingUsefulLife: RemainingUsefulLife = {
  estimateH: 412.5,
  lowerH: 288.25,
  upperH: 655.75,
};

export const vibrationHealth: SignalHealth = {
  signal: 'vibration-velocity',
  healthIndex: 41.25,
  anomalyScore: 9.5,
  zone: 'C',
  value: 6.2,
  unit: 'mm/s',
};

export const pressHealth: AssetHealth = {
  assetId: PRESS_ASSET_ID,
  timeUs: LATEST_EXACT_US,
  healthIndex: 41.25,
  rul: remainingUsefulLife,
  baselineReady: true,
  anomalyScore: 12.75,
  signals: [
    vibrationHealth,
    { ...vibrationHealth, signal: 'température', zone: 'A', unit: 'Cel', value: -3.5 },
  ],
};

export const bearingAlert: MaintenanceAlert = {
  alertId: '01JDXK2Q7V9M3T4R8B6N5C1F0E',
  assetId: PRESS_ASSET_ID,
  cause: 'bearing-degradation',
  signal: 'vibration-velocity',
  severity: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  status: AlertStatus.ALERT_STATUS_RESOLVED,
  message: 'Lagerschaden Hauptantrieb: v_rms 7,1 mm/s (ISO 10816 Zone C) ⚙️',
  openedTimeUs: SHIFT_START_US + 4 * HOUR_US,
  updatedTimeUs: SHIFT_START_US + 6 * HOUR_US,
  resolvedTimeUs: LATEST_EXACT_US,
  healthIndex: 37.5,
  rul: remainingUsefulLife,
  actor: 'instandhaltung:zoë.müller',
  details: { zone: 'C', iso10816Class: 'II', ölstand: 'niedrig 🛢️' },
};
