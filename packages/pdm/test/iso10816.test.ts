import { ISO_10816_3_BOUNDARIES, tripLevelMmPerS, vibrationZone, zoneBoundaries } from '../src';

describe('ISO 10816-3 vibration zones', () => {
  it.each([
    [1, 'rigid', 2.3, 4.5, 7.1],
    [1, 'flexible', 3.5, 7.1, 11.0],
    [2, 'rigid', 1.4, 2.8, 4.5],
    [2, 'flexible', 2.3, 4.5, 7.1],
  ] as const)(
    'group %p on a %p foundation changes zone at %p / %p / %p mm/s',
    (group, foundation, ab, bc, cd) => {
      const b = zoneBoundaries({ group, foundation });
      expect(vibrationZone(ab - 0.01, b)).toBe('A');
      expect(vibrationZone(ab, b)).toBe('B');
      expect(vibrationZone(bc - 0.01, b)).toBe('B');
      expect(vibrationZone(bc, b)).toBe('C');
      expect(vibrationZone(cd - 0.01, b)).toBe('C');
      expect(vibrationZone(cd, b)).toBe('D');
    },
  );

  it('uses custom boundaries instead of the table', () => {
    const b = zoneBoundaries({
      group: 1,
      foundation: 'rigid',
      custom: { abMmPerS: 1, bcMmPerS: 2, cdMmPerS: 3 },
    });
    expect(vibrationZone(2.5, b)).toBe('C');
  });

  it('rejects boundaries that do not increase, naming them', () => {
    expect(() =>
      zoneBoundaries({ group: 1, foundation: 'rigid', custom: { abMmPerS: 3, bcMmPerS: 2, cdMmPerS: 4 } }),
    ).toThrow(/A\/B 3, B\/C 2/);
  });

  it('sets the trip level at 1.25 x the C/D boundary (ISO 20816-1)', () => {
    expect(tripLevelMmPerS(ISO_10816_3_BOUNDARIES['2-flexible'])).toBeCloseTo(8.875, 12);
  });
});
