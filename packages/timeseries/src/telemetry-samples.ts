// Telemetry points walked straight into a column sink (binary COPY or UNNEST arrays), with no row object per
// sample. The value mapping is the one of `telemetryRows` (records.ts): numbers and integers in value, flags as
// 1/0, texts in value_text, no value as two NULLs, waveforms skipped. Pure, no I/O.
import type { TelemetryBatch, TelemetryPoint } from '@kiln/contracts';
import { checkedMicros } from './binary-copy';
import type { SignalDataType, SignalDefinition } from './records';

/** Where the samples go, one call per sample. */
export interface TelemetrySink {
  add(
    signalId: number,
    timeUs: number,
    value: number | null,
    valueText: string | null,
    quality: number,
  ): void;
}

/** Signal ids of one asset by signal name. */
export type AssetSignalIds = ReadonlyMap<string, number>;

export interface TelemetrySampleSummary {
  /** Samples handed to the sink (waveforms excluded). */
  received: number;
  skippedWaveforms: number;
  fromUs?: number;
  toUs?: number;
}

/** The data type a point's value says; null for a waveform, undefined for a point without a value. */
function dataTypeOf(point: TelemetryPoint): SignalDataType | null | undefined {
  switch (point.value?.kind?.$case) {
    case 'numberValue':
      return 'number';
    case 'intValue':
      return 'integer';
    case 'boolValue':
      return 'boolean';
    case 'stringValue':
      return 'string';
    case 'arrayValue':
      return null;
    case undefined:
      return undefined;
  }
}

/**
 * The signals of `batches` that `known` has no id for, each once (the first point's unit and type), in order.
 * Waveform-only signals are left out: they get no row.
 */
export function unknownSignals(
  batches: readonly TelemetryBatch[],
  known: (assetId: string) => AssetSignalIds | undefined,
): SignalDefinition[] {
  const missing: SignalDefinition[] = [];
  let seen: Map<string, Set<string>> | undefined;
  for (const batch of batches) {
    const ids = known(batch.assetId);
    for (const point of batch.points) {
      if (ids?.has(point.signal) === true) continue;
      const dataType = dataTypeOf(point);
      if (dataType === null) continue;
      seen ??= new Map();
      let names = seen.get(batch.assetId);
      if (names === undefined) seen.set(batch.assetId, (names = new Set()));
      if (names.has(point.signal)) continue;
      names.add(point.signal);
      missing.push({
        assetId: batch.assetId,
        name: point.signal,
        unit: point.unit,
        ...(dataType === undefined ? {} : { dataType }),
      });
    }
  }
  return missing;
}

/** Hands every non-waveform point of `batches` to `sink`; every signal must have an id in `ids`. */
export function addTelemetryPoints(
  batches: readonly TelemetryBatch[],
  ids: (assetId: string) => AssetSignalIds | undefined,
  sink: TelemetrySink,
): TelemetrySampleSummary {
  let received = 0;
  let skippedWaveforms = 0;
  let fromUs = Infinity;
  let toUs = -Infinity;
  for (const batch of batches) {
    const assetIds = ids(batch.assetId);
    for (const point of batch.points) {
      const kind = point.value?.kind;
      if (kind?.$case === 'arrayValue') {
        skippedWaveforms += 1;
        continue;
      }
      const signalId = assetIds?.get(point.signal);
      if (signalId === undefined) {
        throw new Error(`signal "${point.signal}" of asset "${batch.assetId}" got no id`);
      }
      const timeUs = point.timeUs;
      switch (kind?.$case) {
        case 'numberValue':
        case 'intValue':
          sink.add(signalId, timeUs, kind.value, null, point.quality);
          break;
        case 'boolValue':
          sink.add(signalId, timeUs, kind.value ? 1 : 0, null, point.quality);
          break;
        case 'stringValue':
          sink.add(signalId, timeUs, null, kind.value, point.quality);
          break;
        case undefined:
          // A point without a value (e.g. a bad-quality read) is kept: the gap is information.
          sink.add(signalId, timeUs, null, null, point.quality);
          break;
      }
      received += 1;
      if (timeUs < fromUs) fromUs = timeUs;
      if (timeUs > toUs) toUs = timeUs;
    }
  }
  return received === 0 ? { received, skippedWaveforms } : { received, skippedWaveforms, fromUs, toUs };
}

/**
 * Samples as the five parallel arrays of an UNNEST insert; times as whole µs since the Unix epoch, which the
 * statement turns into timestamptz (cheaper to send than ISO strings, and exact).
 */
export class TelemetryColumns implements TelemetrySink {
  readonly timesUs: number[] = [];
  readonly signalIds: number[] = [];
  readonly values: (number | null)[] = [];
  readonly valueTexts: (string | null)[] = [];
  readonly qualities: number[] = [];

  get rowCount(): number {
    return this.timesUs.length;
  }

  add(
    signalId: number,
    timeUs: number,
    value: number | null,
    valueText: string | null,
    quality: number,
  ): void {
    this.timesUs.push(checkedMicros(timeUs, signalId));
    this.signalIds.push(signalId);
    this.values.push(value === null ? null : value + 0); // -0 as 0, as binary COPY stores it
    this.valueTexts.push(valueText);
    this.qualities.push(quality);
  }

  /** The rows [start, end) as the statement's parameters. */
  params(start: number, end: number): unknown[] {
    return [
      this.timesUs.slice(start, end),
      this.signalIds.slice(start, end),
      this.values.slice(start, end),
      this.valueTexts.slice(start, end),
      this.qualities.slice(start, end),
    ];
  }
}
