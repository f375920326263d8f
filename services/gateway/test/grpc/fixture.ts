// A small plant with one press that ran one early shift (2026-03-02, 06:00-14:00 UTC): its states with a
// breakdown, a micro-stop, a changeover, an unknown stop and a planned stop, counts every ten minutes, and two
// signals with telemetry. The same inputs are handed to @kiln/oee in the tests to check the API's figures.
import { MachineState } from '@kiln/contracts';
import type { CountDelta, StateChange } from '@kiln/oee';
import type { CanonicalState, HistorianWriter, ProductionCountRow } from '@kiln/timeseries';
import { us } from './support';

export const PRESS = 'acme/plant-1/pressing/line-1/press-1';
export const PLANT2_PRESS = 'acme/plant-2/welding/line-9/robot-1';
export const SHIFT_START = '2026-03-02T06:00:00Z';
export const SHIFT_END = '2026-03-02T14:00:00Z';

const STATES: readonly [string, CanonicalState, string?, string?][] = [
  ['06:00:00', 'RUNNING'],
  ['07:10:00', 'BREAKDOWN', 'M-01', 'motor overload'],
  ['07:30:00', 'RUNNING'],
  ['08:00:00', 'IDLE'],
  ['08:01:00', 'RUNNING'],
  ['09:00:00', 'CHANGEOVER', 'C-02', 'die change'],
  ['09:15:00', 'RUNNING'],
  ['12:00:00', 'UNKNOWN_STOP'],
  ['12:05:00', 'RUNNING'],
  ['13:30:00', 'PLANNED_STOP', 'P-01', 'cleaning'],
  ['14:00:00', 'OFFLINE'],
];

const at = (clock: string): number => us(`2026-03-02T${clock}Z`);

export const stateChanges: StateChange[] = STATES.map(([clock, state, reasonCode, reasonText]) => ({
  startUs: at(clock),
  state: MachineState[`MACHINE_STATE_${state}`],
  ...(reasonCode === undefined ? {} : { reasonCode }),
  ...(reasonText === undefined ? {} : { reasonText }),
}));

/** 480 parts (6 scrap) at the end of every ten minutes of the shift. */
export const countDeltas: CountDelta[] = Array.from({ length: 48 }, (_, i) => ({
  timeUs: at('06:00:00') + (i + 1) * 600_000_000 - 1,
  totalCount: 480,
  goodCount: 474,
  scrapCount: 6,
}));

export async function seedPlant(writer: HistorianWriter): Promise<void> {
  await writer.upsertAssets([
    { id: 'acme', level: 'enterprise', name: 'ACME' },
    { id: 'acme/plant-1', parentId: 'acme', level: 'site', name: 'Plant 1' },
    { id: 'acme/plant-1/pressing', parentId: 'acme/plant-1', level: 'area', name: 'Pressing' },
    { id: 'acme/plant-1/pressing/line-1', parentId: 'acme/plant-1/pressing', level: 'line', name: 'Line 1' },
    {
      id: PRESS,
      parentId: 'acme/plant-1/pressing/line-1',
      level: 'asset',
      name: 'Press 1',
      type: 'press',
      attributes: { defaults: { idealCycleTimeS: 1 } },
    },
    { id: 'acme/plant-2', parentId: 'acme', level: 'site', name: 'Plant 2' },
    { id: 'acme/plant-2/welding', parentId: 'acme/plant-2', level: 'area', name: 'Welding' },
    { id: 'acme/plant-2/welding/line-9', parentId: 'acme/plant-2/welding', level: 'line', name: 'Line 9' },
    { id: PLANT2_PRESS, parentId: 'acme/plant-2/welding/line-9', level: 'asset', name: 'Robot 1' },
  ]);
  await writer.writeStates(
    STATES.map(([clock, state, reasonCode, reasonText]) => ({
      assetId: PRESS,
      timeUs: at(clock),
      state,
      ...(reasonCode === undefined ? {} : { reasonCode }),
      ...(reasonText === undefined ? {} : { reasonText }),
    })),
  );
  await writer.writeCounts(countDeltas.map((delta): ProductionCountRow => ({ assetId: PRESS, ...delta })));
  await writer.upsertSignals([
    { assetId: PRESS, name: 'temperature', unit: 'Cel', dataType: 'number' },
    { assetId: PRESS, name: 'strokes', unit: '', dataType: 'integer' },
  ]);
  // A temperature sample every minute from 06:00 to 06:59 (20.0, 20.5, ... 49.5), strokes every 10 minutes.
  await writer.writeNamedTelemetry([
    ...Array.from({ length: 60 }, (_, i) => ({
      signal: { assetId: PRESS, name: 'temperature' },
      timeUs: at('06:00:00') + i * 60_000_000,
      value: 20 + i / 2,
      valueText: null,
      quality: 1,
    })),
    ...Array.from({ length: 6 }, (_, i) => ({
      signal: { assetId: PRESS, name: 'strokes' },
      timeUs: at('06:00:00') + i * 600_000_000,
      value: 1000 * (i + 1),
      valueText: null,
      quality: 1,
    })),
  ]);
}
