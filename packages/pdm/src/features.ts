// Feature extraction over tumbling windows of event time. Scalar samples feed a streaming accumulator (power
// sums, so a window needs O(1) state and serializes as plain JSON); waveform samples are reduced to the same
// statistics plus band energies from an FFT (fft.js).
import FFT from 'fft.js';

export const DEFAULT_FEATURE_WINDOW_US = 10 * 60 * 1_000_000;
const HOUR_US = 3_600 * 1_000_000;

/** Statistics of one signal over one window. */
export interface ScalarFeatures {
  readonly count: number;
  readonly mean: number;
  readonly rms: number;
  /** Population standard deviation (divides by n): a window is the whole population it describes. */
  readonly stdDev: number;
  readonly min: number;
  readonly max: number;
  readonly peakToPeak: number;
  /** EXCESS kurtosis (Fisher: m4 / m2^2 - 3), 0 for normal data, -1.5 for a pure sine; 0 when m2 is 0. */
  readonly kurtosis: number;
  /** Crest factor = max |x| / RMS (ISO 18431-2 usage); 0 when RMS is 0. */
  readonly crestFactor: number;
  /** Least-squares slope against event time, signal unit per hour; 0 with fewer than two distinct times. */
  readonly slopePerH: number;
}

/**
 * Streaming accumulator of one window. Sums are taken around `shift` (the first value) and `t0Us` (the first
 * time) so that higher moments do not lose precision to cancellation on signals with a large offset.
 */
export interface ScalarAccumulator {
  count: number;
  shift: number;
  t0Us: number;
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  sumSquares: number;
  min: number;
  max: number;
  maxAbs: number;
  st: number;
  stt: number;
  sty: number;
}

export function emptyAccumulator(): ScalarAccumulator {
  return {
    count: 0,
    shift: 0,
    t0Us: 0,
    s1: 0,
    s2: 0,
    s3: 0,
    s4: 0,
    sumSquares: 0,
    min: 0,
    max: 0,
    maxAbs: 0,
    st: 0,
    stt: 0,
    sty: 0,
  };
}

/** Adds one sample (mutates `acc`, returns it). */
export function accumulate(acc: ScalarAccumulator, timeUs: number, value: number): ScalarAccumulator {
  if (acc.count === 0) {
    acc.shift = value;
    acc.t0Us = timeUs;
    acc.min = value;
    acc.max = value;
  }
  const d = value - acc.shift;
  const tH = (timeUs - acc.t0Us) / HOUR_US;
  const d2 = d * d;
  acc.count += 1;
  acc.s1 += d;
  acc.s2 += d2;
  acc.s3 += d2 * d;
  acc.s4 += d2 * d2;
  acc.sumSquares += value * value;
  acc.min = Math.min(acc.min, value);
  acc.max = Math.max(acc.max, value);
  acc.maxAbs = Math.max(acc.maxAbs, Math.abs(value));
  acc.st += tH;
  acc.stt += tH * tH;
  acc.sty += tH * d;
  return acc;
}

export function featuresOf(acc: ScalarAccumulator): ScalarFeatures {
  const n = acc.count;
  if (n === 0) {
    return {
      count: 0,
      mean: Number.NaN,
      rms: Number.NaN,
      stdDev: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      peakToPeak: Number.NaN,
      kurtosis: Number.NaN,
      crestFactor: Number.NaN,
      slopePerH: Number.NaN,
    };
  }
  const m1 = acc.s1 / n;
  // Central moments from raw moments about `shift`.
  const m2 = Math.max(0, acc.s2 / n - m1 * m1);
  const m4 = acc.s4 / n - 4 * m1 * (acc.s3 / n) + 6 * m1 * m1 * (acc.s2 / n) - 3 * m1 ** 4;
  const rms = Math.sqrt(acc.sumSquares / n);
  const tMean = acc.st / n;
  const sxx = acc.stt - n * tMean * tMean;
  const sxy = acc.sty - n * tMean * m1;
  // Relative to the second moment about the shift: a variance that is only rounding noise is zero.
  const flat = m2 <= 1e-12 * (acc.s2 / n);
  return {
    count: n,
    mean: acc.shift + m1,
    rms,
    stdDev: Math.sqrt(m2),
    min: acc.min,
    max: acc.max,
    peakToPeak: acc.max - acc.min,
    kurtosis: flat ? 0 : m4 / (m2 * m2) - 3,
    crestFactor: rms > 0 ? acc.maxAbs / rms : 0,
    slopePerH: sxx > 1e-18 ? sxy / sxx : 0,
  };
}

/** Statistics of a list of timed values (convenience over the accumulator). */
export function scalarFeatures(
  samples: readonly { readonly timeUs: number; readonly value: number }[],
): ScalarFeatures {
  const acc = emptyAccumulator();
  for (const sample of samples) accumulate(acc, sample.timeUs, sample.value);
  return featuresOf(acc);
}

/** Start of the tumbling window holding `timeUs`; windows are aligned to the epoch so all signals share them. */
export function windowStartUs(timeUs: number, windowUs: number): number {
  return Math.floor(timeUs / windowUs) * windowUs;
}

export interface FrequencyBand {
  readonly name: string;
  /** Inclusive lower edge. */
  readonly lowHz: number;
  /** Exclusive upper edge (the Nyquist bin is included when highHz >= sampleRate / 2). */
  readonly highHz: number;
}

/**
 * Power of a waveform per frequency band, in signal unit squared, so that bands tiling [0, fs/2] add up to the
 * mean square of the waveform (Parseval). The waveform is zero-padded to the next power of two (fft.js needs
 * one); padding interpolates the spectrum, it does not change the total power, which is normalised by the
 * original length. No window function: callers wanting less leakage apply one (e.g. Hann) beforehand.
 */
export function bandEnergies(
  waveform: readonly number[],
  sampleRateHz: number,
  bands: readonly FrequencyBand[],
): Record<string, number> {
  if (!(sampleRateHz > 0)) throw new RangeError(`sample rate must be > 0 Hz, got ${sampleRateHz}`);
  const out: Record<string, number> = {};
  for (const band of bands) out[band.name] = 0;
  const n = waveform.length;
  if (n === 0) return out;
  let size = 2;
  while (size < n) size *= 2;
  const fft = new FFT(size);
  const input = new Array<number>(size).fill(0);
  for (let i = 0; i < n; i += 1) input[i] = waveform[i] ?? 0;
  const spectrum: number[] = fft.createComplexArray() as number[];
  fft.realTransform(spectrum, input);
  const half = size / 2;
  for (let k = 0; k <= half; k += 1) {
    const re = spectrum[2 * k] ?? 0;
    const im = spectrum[2 * k + 1] ?? 0;
    // One-sided spectrum: every bin but DC and Nyquist stands for its mirror image too.
    const weight = k === 0 || k === half ? 1 : 2;
    const power = (weight * (re * re + im * im)) / (size * n);
    const frequencyHz = (k * sampleRateHz) / size;
    for (const band of bands) {
      const inside =
        frequencyHz >= band.lowHz &&
        (frequencyHz < band.highHz || (k === half && band.highHz >= sampleRateHz / 2));
      if (inside) out[band.name] = (out[band.name] ?? 0) + power;
    }
  }
  return out;
}

export interface WaveformFeatures extends Omit<ScalarFeatures, 'slopePerH'> {
  readonly bandEnergies: Record<string, number>;
}

/** Statistics over the samples of one waveform (time-free, so no slope) plus its band energies. */
export function waveformFeatures(
  waveform: readonly number[],
  sampleRateHz: number,
  bands: readonly FrequencyBand[] = [],
): WaveformFeatures {
  const acc = emptyAccumulator();
  for (const value of waveform) accumulate(acc, 0, value);
  const { slopePerH: _ignored, ...stats } = featuresOf(acc);
  return { ...stats, bandEnergies: bandEnergies(waveform, sampleRateHz, bands) };
}
