import fc from 'fast-check';
import { bandEnergies, scalarFeatures, waveformFeatures, windowStartUs } from '../src';
import { HOUR_US } from './fixtures';

describe('scalar window features', () => {
  const samples = [1, 2, 3, 4].map((value, i) => ({ timeUs: i * HOUR_US, value }));

  it('computes count, mean, RMS, standard deviation, min, max and peak-to-peak by hand', () => {
    const f = scalarFeatures(samples);
    expect(f.count).toBe(4);
    expect(f.mean).toBeCloseTo(2.5, 12);
    expect(f.rms).toBeCloseTo(Math.sqrt(30 / 4), 12);
    expect(f.stdDev).toBeCloseTo(Math.sqrt(1.25), 12);
    expect([f.min, f.max, f.peakToPeak]).toEqual([1, 4, 3]);
  });

  it('reports EXCESS kurtosis, crest factor = peak / RMS and the least-squares slope per hour', () => {
    const f = scalarFeatures(samples);
    // m2 = 1.25, m4 = (2 * 1.5^4 + 2 * 0.5^4) / 4 = 2.5625 => 2.5625 / 1.5625 - 3
    expect(f.kurtosis).toBeCloseTo(2.5625 / 1.5625 - 3, 12);
    expect(f.crestFactor).toBeCloseTo(4 / Math.sqrt(7.5), 12);
    expect(f.slopePerH).toBeCloseTo(1, 12);
  });

  it('keeps precision on a signal with a large offset', () => {
    const f = scalarFeatures([1e9 + 1, 1e9 - 1, 1e9 + 1, 1e9 - 1].map((value, i) => ({ timeUs: i, value })));
    expect(f.stdDev).toBeCloseTo(1, 9);
    expect(f.kurtosis).toBeCloseTo(-2, 9);
  });

  it('gives a flat signal zero spread, zero kurtosis and zero slope', () => {
    const f = scalarFeatures([5, 5, 5].map((value, i) => ({ timeUs: i * HOUR_US, value })));
    expect([f.stdDev, f.kurtosis, f.slopePerH, f.crestFactor]).toEqual([0, 0, 0, 1]);
  });

  it('aligns tumbling windows to the epoch', () => {
    expect(windowStartUs(1_234_567_890, 600_000_000)).toBe(1_200_000_000);
  });
});

describe('waveform features', () => {
  const sine = (n: number, hz: number, fs: number, amplitude: number): number[] =>
    Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / fs));
  const bands = [
    { name: 'low', lowHz: 0, highHz: 40 },
    { name: 'mid', lowHz: 40, highHz: 60 },
    { name: 'high', lowHz: 60, highHz: 500 },
  ];

  it('puts the energy of a pure 50 Hz sine (1000 samples, zero-padded to 1024) in the 40-60 Hz band', () => {
    const energies = bandEnergies(sine(1000, 50, 1000, 2), 1000, bands);
    // Mean square of a sine of amplitude 2 is 2.
    expect(energies['mid']).toBeGreaterThan(0.95 * 2);
    expect((energies['low'] ?? 0) + (energies['high'] ?? 0)).toBeLessThan(0.05 * 2);
  });

  it('gives a sine RMS = A / sqrt(2), excess kurtosis -1.5 and crest factor sqrt(2)', () => {
    const f = waveformFeatures(sine(1024, 64, 1024, 3), 1024, bands);
    expect(f.rms).toBeCloseTo(3 / Math.SQRT2, 6);
    expect(f.kurtosis).toBeCloseTo(-1.5, 6);
    expect(f.crestFactor).toBeCloseTo(Math.SQRT2, 3);
  });

  it('bands tiling 0 to Nyquist add up to the mean square (Parseval), whatever the length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (wave) => {
          const energies = bandEnergies(wave, 1000, bands);
          const total = Object.values(energies).reduce((a, b) => a + b, 0);
          const meanSquare = wave.reduce((a, b) => a + b * b, 0) / wave.length;
          expect(total).toBeCloseTo(meanSquare, 6);
        },
      ),
    );
  });
});
