// Time ranges as the OEE engine and its window inputs compare and join them. Its own module so that the engine
// and WindowInputs both use it without importing each other.
import type { TimeRange } from '@kiln/oee';

/**
 * Merges overlapping or touching ranges, and only those: the engine reads the inputs of each merged range, so
 * ranges apart stay apart (unlike normalization's mergeNearbyRanges, which joins ranges within a gap).
 */
export function mergeOverlappingRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = [...ranges].sort((a, b) => a.fromUs - b.fromUs);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.fromUs <= last.toUs) {
      merged[merged.length - 1] = { fromUs: last.fromUs, toUs: Math.max(last.toUs, range.toUs) };
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/** The filter of OeeStore.orders and OeeStore.erpShifts: a span without an end is still running. */
export function overlaps(span: { startUs: number; endUs?: number }, range: TimeRange): boolean {
  return span.startUs < range.toUs && (span.endUs === undefined || span.endUs > range.fromUs);
}
