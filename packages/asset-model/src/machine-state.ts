// Canonical machine states (docs/architecture.md section 6) by the names a plant engineer writes in YAML.
import { MachineState } from '@kiln/contracts';

export const MACHINE_STATE_NAMES = [
  'RUNNING',
  'IDLE',
  'STARVED',
  'BLOCKED',
  'CHANGEOVER',
  'BREAKDOWN',
  'PLANNED_STOP',
  'NO_ORDER',
  'UNKNOWN_STOP',
  'OFFLINE',
] as const;
export type MachineStateName = (typeof MACHINE_STATE_NAMES)[number];

const BY_NAME: Readonly<Record<MachineStateName, MachineState>> = {
  RUNNING: MachineState.MACHINE_STATE_RUNNING,
  IDLE: MachineState.MACHINE_STATE_IDLE,
  STARVED: MachineState.MACHINE_STATE_STARVED,
  BLOCKED: MachineState.MACHINE_STATE_BLOCKED,
  CHANGEOVER: MachineState.MACHINE_STATE_CHANGEOVER,
  BREAKDOWN: MachineState.MACHINE_STATE_BREAKDOWN,
  PLANNED_STOP: MachineState.MACHINE_STATE_PLANNED_STOP,
  NO_ORDER: MachineState.MACHINE_STATE_NO_ORDER,
  UNKNOWN_STOP: MachineState.MACHINE_STATE_UNKNOWN_STOP,
  OFFLINE: MachineState.MACHINE_STATE_OFFLINE,
};

export function machineStateOf(name: MachineStateName): MachineState {
  return BY_NAME[name];
}

export function isMachineStateName(text: string): text is MachineStateName {
  return (MACHINE_STATE_NAMES as readonly string[]).includes(text);
}

/** A stop reason as the PLC or the mapping gives it. */
export interface StopReason {
  readonly code: string;
  readonly text: string;
}

/** What one PLC state code means. */
export interface StateTarget {
  readonly state: MachineStateName;
  readonly reason?: StopReason;
}
