// The time a production count covers: (fromUs, timeUs]. Its parts were made before timeUs, so the window that ends
// at timeUs gets a point count, and an interval count is shared by time between the windows it straddles.
import type { CountDelta, TimeRange } from './types';

/**
 * The longest interval a count is shared over. A longer one (a counter not read for more than a day: a connector
 * down over a weekend) is booked as a point at its time, as a count without interval start: when in that time the
 * parts were made is not known, and the bound lets a store find every count reaching into a window by reading
 * no further than this past its end.
 */
export const MAX_COUNT_INTERVAL_US = 24 * 3_600_000_000;

/** Whether the count is shared by time over (fromUs, timeUs]; else it is a point at timeUs. */
export function isSpread(delta: CountDelta): delta is CountDelta & { readonly fromUs: number } {
  return (
    delta.fromUs !== undefined &&
    delta.fromUs < delta.timeUs &&
    delta.timeUs - delta.fromUs <= MAX_COUNT_INTERVAL_US
  );
}

/**
 * The half-open range [fromUs, toUs) of the instants whose windows get a share of the count: for a point count the
 * last microsecond before its time, so that the windows overlapping it are those holding the count.
 */
export function countRange(delta: CountDelta): TimeRange {
  return isSpread(delta)
    ? { fromUs: delta.fromUs, toUs: delta.timeUs }
    : { fromUs: delta.timeUs - 1, toUs: delta.timeUs };
}

/** Whether a count has a share in the range [fromUs, toUs) (the counts a store must hand the core for it). */
export function countReaches(delta: CountDelta, range: TimeRange): boolean {
  const { fromUs, toUs } = countRange(delta);
  return fromUs < range.toUs && toUs > range.fromUs;
}
