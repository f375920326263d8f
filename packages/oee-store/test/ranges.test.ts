// How the engine joins the ranges it reads inputs for: only overlapping or touching ones, never across a gap.
import { mergeOverlappingRanges, overlaps } from '../src/ranges';

describe('mergeOverlappingRanges', () => {
  it('joins overlapping and touching ranges, in time order', () => {
    expect(
      mergeOverlappingRanges([
        { fromUs: 50, toUs: 80 },
        { fromUs: 0, toUs: 20 },
        { fromUs: 20, toUs: 30 },
        { fromUs: 60, toUs: 70 },
        { fromUs: 10, toUs: 25 },
      ]),
    ).toEqual([
      { fromUs: 0, toUs: 30 },
      { fromUs: 50, toUs: 80 },
    ]);
  });

  it('keeps ranges a microsecond apart apart', () => {
    expect(
      mergeOverlappingRanges([
        { fromUs: 0, toUs: 10 },
        { fromUs: 11, toUs: 20 },
      ]),
    ).toEqual([
      { fromUs: 0, toUs: 10 },
      { fromUs: 11, toUs: 20 },
    ]);
  });

  it('leaves the ranges it was given unchanged', () => {
    const ranges = [
      { fromUs: 0, toUs: 10 },
      { fromUs: 5, toUs: 20 },
    ];
    mergeOverlappingRanges(ranges);
    expect(ranges).toEqual([
      { fromUs: 0, toUs: 10 },
      { fromUs: 5, toUs: 20 },
    ]);
  });
});

describe('overlaps', () => {
  const range = { fromUs: 100, toUs: 200 };

  it('takes a span ending at the range start or starting at its end as outside', () => {
    expect(overlaps({ startUs: 50, endUs: 100 }, range)).toBe(false);
    expect(overlaps({ startUs: 200, endUs: 300 }, range)).toBe(false);
    expect(overlaps({ startUs: 50, endUs: 101 }, range)).toBe(true);
    expect(overlaps({ startUs: 199, endUs: 300 }, range)).toBe(true);
  });

  it('takes a span without an end as running past the range', () => {
    expect(overlaps({ startUs: 0 }, range)).toBe(true);
    expect(overlaps({ startUs: 200 }, range)).toBe(false);
  });
});
