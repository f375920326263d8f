// Runs of equal machine states over a stretch of an asset's state changes loaded once (OeeStore.statesAround),
// answering what OeeStore.runAround and OeeStore.statesFor answer from the database, without a round trip per
// event or per window. Pure: the caller keeps every question inside the stretch it loaded (see StateStretch).
import type { StateChange, TimeRange } from '@kiln/oee';

/**
 * The changes from the start of the run in force at (`inclusive`) or just before `range.fromUs`, every change up
 * to `range.toUs` (exclusive), and the first later change to a state other than the one in force at the end.
 * Questions about times in [range.fromUs, range.toUs) are answered as the database would.
 */
export class StateStretch {
  constructor(
    readonly range: TimeRange,
    readonly inclusive: boolean,
    /** In time order, times unique (the table's key is asset and time). */
    readonly changes: readonly StateChange[],
  ) {}

  /** Where the run in force at the stretch's start began, or the start when no state was known by then. */
  get startUs(): number {
    const first = this.changes[0];
    return first !== undefined && first.startUs <= this.range.fromUs ? first.startUs : this.range.fromUs;
  }

  /** Index of the last change at or before (`inclusive`) or before `timeUs`; -1 if none. */
  private lastIndex(timeUs: number, inclusive: boolean): number {
    let low = 0;
    let high = this.changes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const startUs = this.changes[middle]?.startUs ?? Infinity;
      if (inclusive ? startUs <= timeUs : startUs < timeUs) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  /** The first change after index `from` to a state other than `state`. */
  private nextOther(from: number, state: StateChange['state']): StateChange | undefined {
    for (let i = from + 1; i < this.changes.length; i += 1) {
      const change = this.changes[i];
      if (change !== undefined && change.state !== state) return change;
    }
    return undefined;
  }

  /** OeeStore.runAround over the stretch. */
  runAround(timeUs: number, inclusive: boolean): { runStartUs?: number; runEndUs?: number } {
    const before = this.lastIndex(timeUs, inclusive);
    let runStart = before;
    const state = this.changes[before]?.state;
    while (runStart > 0 && this.changes[runStart - 1]?.state === state) runStart -= 1;
    const runStartUs = before < 0 ? undefined : this.changes[runStart]?.startUs;
    const at = this.lastIndex(timeUs, true);
    const atState = this.changes[at]?.state;
    const runEndUs = atState === undefined ? undefined : this.nextOther(at, atState)?.startUs;
    return {
      ...(runStartUs === undefined ? {} : { runStartUs }),
      ...(runEndUs === undefined ? {} : { runEndUs }),
    };
  }

  /** OeeStore.statesFor over the stretch. */
  statesFor(range: TimeRange, runStartUs: number | undefined): StateChange[] {
    const fromUs = Math.min(runStartUs ?? range.fromUs, range.fromUs);
    const last = this.lastIndex(range.toUs, false);
    const inside = this.changes.slice(this.lastIndex(fromUs, false) + 1, last + 1);
    const lastState = this.changes[last]?.state;
    const ending = lastState === undefined ? undefined : this.nextOther(last, lastState);
    return ending === undefined ? inside : [...inside, ending];
  }
}
