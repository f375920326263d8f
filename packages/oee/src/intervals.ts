// Sets of half-open time intervals [startUs, endUs), kept sorted and disjoint.

export interface Interval {
  readonly startUs: number;
  readonly endUs: number;
}

/** Sorted, disjoint, non-empty intervals. */
export type IntervalSet = readonly Interval[];

export function unionOf(intervals: readonly Interval[]): IntervalSet {
  const sorted = intervals.filter((i) => i.endUs > i.startUs).sort((a, b) => a.startUs - b.startUs);
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && next.startUs <= last.endUs) {
      out[out.length - 1] = { startUs: last.startUs, endUs: Math.max(last.endUs, next.endUs) };
    } else {
      out.push(next);
    }
  }
  return out;
}

export function subtract(from: IntervalSet, remove: IntervalSet): IntervalSet {
  const out: Interval[] = [];
  for (const base of from) {
    let cursor = base.startUs;
    for (const cut of remove) {
      if (cut.endUs <= cursor || cut.startUs >= base.endUs) continue;
      if (cut.startUs > cursor) out.push({ startUs: cursor, endUs: cut.startUs });
      cursor = Math.max(cursor, cut.endUs);
      if (cursor >= base.endUs) break;
    }
    if (cursor < base.endUs) out.push({ startUs: cursor, endUs: base.endUs });
  }
  return out;
}

/** Index of the first interval whose end lies after `timeUs`, or set.length. */
function firstEndingAfter(set: IntervalSet, timeUs: number): number {
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const interval = set[mid];
    if (interval !== undefined && interval.endUs <= timeUs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function contains(set: IntervalSet, timeUs: number): boolean {
  const interval = set[firstEndingAfter(set, timeUs)];
  return interval !== undefined && interval.startUs <= timeUs;
}

/** The earliest instant of [startUs, endUs) that lies in the set, if any. */
export function firstInstantIn(set: IntervalSet, startUs: number, endUs: number): number | undefined {
  const interval = set[firstEndingAfter(set, startUs)];
  if (interval === undefined) return undefined;
  const candidate = Math.max(startUs, interval.startUs);
  return candidate < endUs ? candidate : undefined;
}

export function overlaps(a: Interval, fromUs: number, toUs: number): boolean {
  return a.startUs < toUs && a.endUs > fromUs;
}
