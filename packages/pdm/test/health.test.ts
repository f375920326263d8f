import { assetHealth, deviationHealth, ISO_10816_3_BOUNDARIES, zoneHealth } from '../src';

describe('health index', () => {
  const b = ISO_10816_3_BOUNDARIES['2-flexible'];

  it('anchors the zone health at the ISO boundaries: 85 at A/B, 70 at B/C, 40 at C/D, 0 at the trip level', () => {
    expect(zoneHealth(b.abMmPerS, b, 8.875)).toBeCloseTo(85, 9);
    expect(zoneHealth(b.bcMmPerS, b, 8.875)).toBeCloseTo(70, 9);
    expect(zoneHealth(b.cdMmPerS, b, 8.875)).toBeCloseTo(40, 9);
    expect(zoneHealth(8.875, b, 8.875)).toBeCloseTo(0, 9);
    expect(zoneHealth(20, b, 8.875)).toBe(0);
    expect(zoneHealth(0, b, 8.875)).toBe(100);
  });

  it('maps the deviation linearly from the normal band (100) to the failure level (0)', () => {
    expect(deviationHealth(1, 2, 12)).toBe(100);
    expect(deviationHealth(7, 2, 12)).toBeCloseTo(50, 9);
    expect(deviationHealth(15, 2, 12)).toBe(0);
  });

  it('judges the asset by its worst signal', () => {
    expect(assetHealth([90, 64, 100])).toBe(64);
    expect(assetHealth([])).toBe(100);
  });
});
