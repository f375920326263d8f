// What a simulated machine exposes: the PLC state code table, the fault codes and the signal list with data
// types and UCUM units (docs/architecture.md section 4). Protocol servers derive their address spaces from this list.

/** PLC state codes as the machine reports them; normalization maps them onto docs/architecture.md section 6 states. */
export const MACHINE_STATE = {
  RUNNING: 1,
  IDLE: 2,
  STARVED: 3,
  BLOCKED: 4,
  CHANGEOVER: 5,
  BREAKDOWN: 6,
  PLANNED_STOP: 7,
} as const;

export type MachineStateName = keyof typeof MACHINE_STATE;
export type MachineStateCode = (typeof MACHINE_STATE)[MachineStateName];

export const MACHINE_STATE_NAMES: readonly MachineStateName[] = [
  'RUNNING',
  'IDLE',
  'STARVED',
  'BLOCKED',
  'CHANGEOVER',
  'BREAKDOWN',
  'PLANNED_STOP',
];

export function stateName(code: number): MachineStateName | undefined {
  return MACHINE_STATE_NAMES.find((name) => MACHINE_STATE[name] === code);
}

/** Fault codes carried in `faultCode` while the state is BREAKDOWN (0 otherwise). */
export const FAULT_CODE = {
  NONE: 0,
  MATERIAL_JAM: 101,
  MOTOR_OVERLOAD: 205,
  BEARING_FAILURE: 310,
  SENSOR_FAULT: 402,
  HYDRAULIC_PRESSURE_LOW: 503,
} as const;

/** Faults that strike at random (the bearing failure instead follows the bearing's wear). */
export const RANDOM_FAULT_CODES = [
  FAULT_CODE.MATERIAL_JAM,
  FAULT_CODE.MOTOR_OVERLOAD,
  FAULT_CODE.SENSOR_FAULT,
  FAULT_CODE.HYDRAULIC_PRESSURE_LOW,
] as const;

export type SignalName =
  | 'state'
  | 'faultCode'
  | 'totalCount'
  | 'rejectCount'
  | 'orderNumber'
  | 'idealCycleTime'
  | 'cycleTime'
  | 'speed'
  | 'temperature'
  | 'motorCurrent'
  | 'vibration';

export type SignalDataType = 'UInt16' | 'UInt32' | 'Double' | 'String';

export type SignalValue = number | string;

export interface SignalDefinition {
  readonly name: SignalName;
  readonly dataType: SignalDataType;
  /** UCUM code; `{count}` for dimensionless counts, undefined for codes and texts. */
  readonly unit: string | undefined;
  readonly description: string;
  /** Sampled every `sampleIntervalMs` (analog) rather than set on an event. */
  readonly analog: boolean;
  /** Typical range, published as EURange for OPC UA analog items. */
  readonly range?: { readonly low: number; readonly high: number };
}

export const SIGNALS: readonly SignalDefinition[] = [
  {
    name: 'state',
    dataType: 'UInt16',
    unit: undefined,
    analog: false,
    description:
      'PLC state code (1 running, 2 idle, 3 starved, 4 blocked, 5 changeover, 6 breakdown, 7 planned stop)',
  },
  {
    name: 'faultCode',
    dataType: 'UInt16',
    unit: undefined,
    analog: false,
    description: 'Fault code while in breakdown, 0 when none',
  },
  {
    name: 'totalCount',
    dataType: 'UInt32',
    unit: '{count}',
    analog: false,
    description: 'Total parts counter (good + reject); rolls over, may reset to 0',
  },
  {
    name: 'rejectCount',
    dataType: 'UInt32',
    unit: '{count}',
    analog: false,
    description: 'Rejected parts counter; rolls over, may reset to 0',
  },
  {
    name: 'orderNumber',
    dataType: 'String',
    unit: undefined,
    analog: false,
    description: 'Running production order',
  },
  {
    name: 'idealCycleTime',
    dataType: 'Double',
    unit: 's',
    analog: false,
    description: 'Ideal cycle time of the running order',
    range: { low: 0, high: 3600 },
  },
  {
    name: 'cycleTime',
    dataType: 'Double',
    unit: 's',
    analog: false,
    description: 'Actual duration of the last cycle',
    range: { low: 0, high: 3600 },
  },
  {
    name: 'speed',
    dataType: 'Double',
    unit: '1/min',
    analog: true,
    description: 'Production rate, parts per minute',
    range: { low: 0, high: 600 },
  },
  {
    name: 'temperature',
    dataType: 'Double',
    unit: 'Cel',
    analog: true,
    description: 'Motor housing temperature',
    range: { low: -20, high: 150 },
  },
  {
    name: 'motorCurrent',
    dataType: 'Double',
    unit: 'A',
    analog: true,
    description: 'Main drive motor current',
    range: { low: 0, high: 50 },
  },
  {
    name: 'vibration',
    dataType: 'Double',
    unit: 'mm/s',
    analog: true,
    description: 'Vibration velocity RMS at the main bearing (ISO 10816)',
    range: { low: 0, high: 50 },
  },
];

export const SIGNAL_NAMES: readonly SignalName[] = SIGNALS.map((signal) => signal.name);
