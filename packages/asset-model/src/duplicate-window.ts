// The recent (event time, value) pairs of one signal, to drop a sample seen before even when it arrives out of
// order (a store-and-forward replay, a re-sent batch). It holds the `capacity` most recently remembered distinct
// times with the last value seen at each, oldest dropped first; a time remembered again with another value moves
// to the newest place. A fixed ring of times (a Float64Array, no boxed numbers) beside the samples' own Value
// objects: remembering or checking a sample allocates nothing and builds no text.
import type { Value } from '@kiln/contracts';
import { sameValue } from './sample-value';

export class DuplicateWindow {
  private readonly capacity: number;
  private times: Float64Array | undefined;
  private values: (Value | undefined)[] = [];
  /** Physical index of the oldest entry. */
  private head = 0;
  private size = 0;
  /**
   * The largest time held (NaN aside: NaN compares false, so a NaN look-up always scans): a newer time, the
   * common case, is known absent without a scan.
   */
  private newestUs = Number.NEGATIVE_INFINITY;

  /** `capacity`: a whole number >= 0 of distinct times held. */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new RangeError(`duplicateWindow must be a whole number >= 0, got ${capacity}`);
    this.capacity = capacity;
  }

  /** True when `timeUs` is held with the same value (as `sameValue` compares them): the sample is a duplicate. */
  holds(timeUs: number, value: Value | undefined): boolean {
    const index = this.indexOf(timeUs);
    return index >= 0 && sameValue(this.values[this.slot(index)], value);
  }

  /** Holds `timeUs` with `value` as the newest entry, dropping the oldest past the capacity. */
  remember(timeUs: number, value: Value | undefined): void {
    if (this.capacity === 0) return;
    const times = (this.times ??= new Float64Array(this.capacity));
    const index = this.indexOf(timeUs);
    if (index >= 0) this.removeAt(index);
    else if (this.size === this.capacity) this.dropOldest();
    const slot = this.slot(this.size);
    times[slot] = timeUs;
    this.values[slot] = value;
    this.size += 1;
    if (timeUs > this.newestUs) this.newestUs = timeUs;
  }

  /** Logical index (0: oldest) of `timeUs`, or -1. */
  private indexOf(timeUs: number): number {
    const times = this.times;
    if (times === undefined || this.size === 0 || timeUs > this.newestUs) return -1;
    for (let index = this.size - 1; index >= 0; index -= 1) {
      const held = times[this.slot(index)] ?? Number.NaN;
      // As a Map key: -0 and 0 are one time, NaN is NaN.
      if (held === timeUs || (held !== held && timeUs !== timeUs)) return index;
    }
    return -1;
  }

  private slot(index: number): number {
    const slot = this.head + index;
    return slot >= this.capacity ? slot - this.capacity : slot;
  }

  private dropOldest(): void {
    const dropped = this.times?.[this.head];
    this.values[this.head] = undefined;
    this.head = this.slot(1);
    this.size -= 1;
    if (dropped === this.newestUs) this.recomputeNewest();
  }

  /** Closes the gap at `index` by moving the newer entries one place towards the oldest. */
  private removeAt(index: number): void {
    const times = this.times;
    if (times === undefined) return;
    const removed = times[this.slot(index)];
    for (let from = index + 1; from < this.size; from += 1) {
      const to = this.slot(from - 1);
      const at = this.slot(from);
      times[to] = times[at] ?? Number.NaN;
      this.values[to] = this.values[at];
    }
    this.size -= 1;
    this.values[this.slot(this.size)] = undefined;
    if (removed === this.newestUs) this.recomputeNewest();
  }

  private recomputeNewest(): void {
    let newest = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < this.size; index += 1) {
      const time = this.times?.[this.slot(index)] ?? Number.NEGATIVE_INFINITY;
      if (time > newest) newest = time;
    }
    this.newestUs = newest;
  }
}
