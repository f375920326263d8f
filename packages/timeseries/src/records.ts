// The rows the historian stores, and the pure mapping from Kiln events (proto/kiln/events/v1) onto them.
import {
  MachineState,
  machineStateToJSON,
  type MachineStateEvent,
  type ProductionCountBatch,
  type TelemetryBatch,
  type TelemetryPoint,
} from '@kiln/contracts';
import { InvalidArgumentError } from './sql';

/** Canonical machine states, docs/architecture.md section 6. */
export type CanonicalState =
  | 'RUNNING'
  | 'IDLE'
  | 'STARVED'
  | 'BLOCKED'
  | 'CHANGEOVER'
  | 'BREAKDOWN'
  | 'PLANNED_STOP'
  | 'NO_ORDER'
  | 'UNKNOWN_STOP'
  | 'OFFLINE';

export type SignalDataType = 'number' | 'integer' | 'boolean' | 'string';

export type AssetLevel = 'enterprise' | 'site' | 'area' | 'line' | 'cell' | 'asset';

export interface AssetRecord {
  /** ISA-95 path, lower case, '/'-separated (docs/architecture.md section 4). */
  id: string;
  parentId?: string | null;
  level: AssetLevel;
  name: string;
  type?: string;
  attributes?: Record<string, unknown>;
}

export interface SignalDefinition {
  assetId: string;
  name: string;
  /** UCUM code; empty for dimensionless values and texts. */
  unit?: string;
  dataType?: SignalDataType;
}

export interface TelemetryRow {
  signalId: number;
  timeUs: number;
  /** Numbers, integers, and flags as 0/1; null for texts. */
  value: number | null;
  valueText: string | null;
  /** Quality enum of proto/kiln/events/v1/common.proto (1 = good). */
  quality: number;
}

/** A telemetry point before its signal has an id: what a TelemetryBatch carries. */
export interface NamedTelemetryRow extends Omit<TelemetryRow, 'signalId'> {
  signal: SignalDefinition;
}

export interface MachineStateRow {
  assetId: string;
  /** The asset entered `state` at this time; it lasts until the asset's next row. */
  timeUs: number;
  state: CanonicalState;
  reasonCode?: string;
  reasonText?: string;
  sourceCode?: string;
}

export interface StopReasonRow {
  assetId: string;
  stopStartTimeUs: number;
  reasonCode: string;
  reasonText: string;
  /** The state the interval counts as from now on; omitted keeps the state. */
  state?: CanonicalState;
  assignedBy: string;
  assignedTimeUs: number;
}

export interface ProductionCountRow {
  assetId: string;
  /** End of the interval the delta covers: (intervalStartUs, timeUs]. */
  timeUs: number;
  /** Start of the interval, where the source knows it; without it the delta is a point at timeUs. */
  intervalStartUs?: number;
  totalCount: number;
  goodCount: number;
  scrapCount: number;
  orderId?: string;
}

const STATE_PREFIX = 'MACHINE_STATE_';

/** The canonical state name of a proto MachineState; undefined for MACHINE_STATE_UNSPECIFIED. */
export function canonicalState(state: MachineState): CanonicalState | undefined {
  if (state === MachineState.MACHINE_STATE_UNSPECIFIED) return undefined;
  return machineStateToJSON(state).slice(STATE_PREFIX.length) as CanonicalState;
}

export interface TelemetryMapping {
  rows: NamedTelemetryRow[];
  /** Waveform samples (array values) do not fit the narrow table and are left to their own store. */
  skippedWaveforms: number;
}

function pointRow(assetId: string, point: TelemetryPoint): NamedTelemetryRow | undefined {
  const base = { timeUs: point.timeUs, quality: point.quality };
  const signal = (dataType: SignalDataType): SignalDefinition => ({
    assetId,
    name: point.signal,
    unit: point.unit,
    dataType,
  });
  const kind = point.value?.kind;
  switch (kind?.$case) {
    case 'numberValue':
      return { ...base, signal: signal('number'), value: kind.value, valueText: null };
    case 'intValue':
      return { ...base, signal: signal('integer'), value: kind.value, valueText: null };
    case 'boolValue':
      return { ...base, signal: signal('boolean'), value: kind.value ? 1 : 0, valueText: null };
    case 'stringValue':
      return { ...base, signal: signal('string'), value: null, valueText: kind.value };
    case 'arrayValue':
      return undefined;
    case undefined:
      // A point without a value (e.g. a bad-quality read) is kept: the gap is information.
      return {
        ...base,
        signal: { assetId, name: point.signal, unit: point.unit },
        value: null,
        valueText: null,
      };
  }
}

export function telemetryRows(batches: readonly TelemetryBatch[]): TelemetryMapping {
  const rows: NamedTelemetryRow[] = [];
  let skippedWaveforms = 0;
  for (const batch of batches) {
    for (const point of batch.points) {
      const row = pointRow(batch.assetId, point);
      if (row) rows.push(row);
      else skippedWaveforms += 1;
    }
  }
  return { rows, skippedWaveforms };
}

export interface MachineStateMapping {
  changes: MachineStateRow[];
  reasons: StopReasonRow[];
}

export function machineStateRows(events: readonly MachineStateEvent[]): MachineStateMapping {
  const changes: MachineStateRow[] = [];
  const reasons: StopReasonRow[] = [];
  for (const { assetId, event } of events) {
    if (event?.$case === 'change') {
      const state = canonicalState(event.value.state);
      if (state === undefined) {
        throw new InvalidArgumentError(
          `machine state change of asset "${assetId}" at ${event.value.startTimeUs} us has no state ` +
            '(MACHINE_STATE_UNSPECIFIED); normalization must map every PLC code onto a canonical state',
        );
      }
      changes.push({
        assetId,
        timeUs: event.value.startTimeUs,
        state,
        reasonCode: event.value.reasonCode,
        reasonText: event.value.reasonText,
        sourceCode: event.value.sourceCode,
      });
    } else if (event?.$case === 'reason') {
      const state = canonicalState(event.value.state);
      reasons.push({
        assetId,
        stopStartTimeUs: event.value.stopStartTimeUs,
        reasonCode: event.value.reasonCode,
        reasonText: event.value.reasonText,
        ...(state === undefined ? {} : { state }),
        assignedBy: event.value.assignedBy,
        assignedTimeUs: event.value.assignedTimeUs,
      });
    }
  }
  return { changes, reasons };
}

export function productionCountRows(batches: readonly ProductionCountBatch[]): ProductionCountRow[] {
  return batches.flatMap((batch) =>
    batch.deltas.map((delta) => ({
      assetId: batch.assetId,
      timeUs: delta.timeUs,
      ...(delta.intervalStartUs === undefined ? {} : { intervalStartUs: delta.intervalStartUs }),
      totalCount: delta.totalCount,
      goodCount: delta.goodCount,
      scrapCount: delta.scrapCount,
      orderId: delta.orderId,
    })),
  );
}
