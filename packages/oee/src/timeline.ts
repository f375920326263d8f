// The asset's state timeline: state changes turned into entries with an end, grouped into runs of one state
// (a stop is the whole run, whatever reasons it carries), and how each state counts in the time model.
import { MachineState } from '@kiln/contracts';
import { OeeInputError } from './errors';
import type { OeeSettings } from './settings';
import type { StateChange } from './types';

export interface StateEntry {
  readonly startUs: number;
  /** Infinity for the last, open-ended change. */
  readonly endUs: number;
  /** undefined before the first change: no data, counted like OFFLINE. */
  readonly state: MachineState | undefined;
  readonly reasonCode: string;
  readonly reasonText: string;
  /** The run of the same state this entry belongs to; a stop is classified by the run's full duration. */
  readonly runStartUs: number;
  readonly runEndUs: number;
}

/** How a state counts in the time model (docs/architecture.md section 6). */
export type StateClass = 'running' | 'noData' | 'plannedStop' | 'stop';

const KNOWN_STATES = new Set<number>(
  Object.values(MachineState).filter((value): value is number => typeof value === 'number'),
);

/** UNSPECIFIED (a mapping gap) and values this build does not know count as UNKNOWN_STOP. */
function canonical(state: MachineState): MachineState {
  return state === MachineState.MACHINE_STATE_UNSPECIFIED || !KNOWN_STATES.has(state)
    ? MachineState.MACHINE_STATE_UNKNOWN_STOP
    : state;
}

export function stateClass(state: MachineState | undefined, settings: OeeSettings): StateClass {
  switch (state) {
    case undefined:
    case MachineState.MACHINE_STATE_OFFLINE:
      return 'noData';
    case MachineState.MACHINE_STATE_RUNNING:
      return 'running';
    case MachineState.MACHINE_STATE_PLANNED_STOP:
      return 'plannedStop';
    case MachineState.MACHINE_STATE_NO_ORDER:
      return settings.noOrderIsPlanned ? 'plannedStop' : 'stop';
    default:
      return 'stop';
  }
}

/** Entries covering (-Infinity, Infinity), sorted; changes at the same instant: the later one in input wins. */
export function buildStateTimeline(changes: readonly StateChange[]): readonly StateEntry[] {
  changes.forEach((change, index) => {
    if (!Number.isFinite(change.startUs)) {
      throw new OeeInputError(`expected a finite startUs, got ${String(change.startUs)}`, `states[${index}]`);
    }
  });
  const sorted = [...changes].sort((a, b) => a.startUs - b.startUs);
  const raw: { startUs: number; endUs: number; state: MachineState | undefined; change?: StateChange }[] = [];
  raw.push({ startUs: -Infinity, endUs: sorted[0]?.startUs ?? Infinity, state: undefined });
  sorted.forEach((change, index) => {
    const endUs = sorted[index + 1]?.startUs ?? Infinity;
    if (endUs > change.startUs)
      raw.push({ startUs: change.startUs, endUs, state: canonical(change.state), change });
  });
  const runOf: number[] = [];
  const runs: { startUs: number; endUs: number }[] = [];
  raw.forEach((entry, index) => {
    const current = runs[runs.length - 1];
    if (current !== undefined && raw[index - 1]?.state === entry.state) current.endUs = entry.endUs;
    else runs.push({ startUs: entry.startUs, endUs: entry.endUs });
    runOf.push(runs.length - 1);
  });
  const entries = raw.map((entry, index): StateEntry => {
    const run = runs[runOf[index] ?? 0] ?? entry;
    return {
      startUs: entry.startUs,
      endUs: entry.endUs,
      state: entry.state,
      reasonCode: entry.change?.reasonCode ?? '',
      reasonText: entry.change?.reasonText ?? '',
      runStartUs: run.startUs,
      runEndUs: run.endUs,
    };
  });
  return entries;
}

/** The entry in force at `timeUs` (the timeline covers every instant). */
export function entryAt(timeline: readonly StateEntry[], timeUs: number): StateEntry {
  let lo = 0;
  let hi = timeline.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const entry = timeline[mid];
    if (entry !== undefined && entry.startUs <= timeUs) lo = mid;
    else hi = mid - 1;
  }
  const found = timeline[lo];
  if (found === undefined)
    throw new Error('state timeline is empty: buildStateTimeline always yields an entry');
  return found;
}

/** Index of the first entry that ends after `timeUs`. */
export function firstEntryEndingAfter(timeline: readonly StateEntry[], timeUs: number): number {
  let lo = 0;
  let hi = timeline.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const entry = timeline[mid];
    if (entry !== undefined && entry.endUs <= timeUs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
