// The maintenance service's input decoded from kiln.telemetry.v1, and the rules a record must meet before the
// model sees it: the subscription's decoder, so a record that breaks one goes to the dead-letter topic at once and
// the partition keeps flowing (docs/events.md, "Subscribing").
import type { BusRecord } from '@kiln/bus';
import {
  checkEventTexts,
  checkEventTime,
  decodeEvent,
  eventTopics,
  Quality,
  RuleError,
  type TelemetryPoint,
} from '@kiln/contracts';
import type { MonitorSample } from '@kiln/pdm';

export interface DecodedTelemetry {
  readonly assetId: string;
  /** The numeric and waveform points as the model takes them, in the batch's order. */
  readonly samples: MonitorSample[];
}

/** A point's value as the model reads it: numbers and waveforms; flags and texts are not condition signals. */
function modelValue(point: TelemetryPoint): number | readonly number[] | undefined {
  const kind = point.value?.kind;
  switch (kind?.$case) {
    case 'numberValue':
    case 'intValue':
      return Number.isFinite(kind.value) ? kind.value : undefined;
    case 'arrayValue':
      return kind.value.values.every(Number.isFinite) && kind.value.values.length > 0
        ? kind.value.values
        : undefined;
    default:
      return undefined;
  }
}

export function decodeTelemetry(record: BusRecord): DecodedTelemetry {
  const batch = decodeEvent(eventTopics.telemetry, record.value, record.headers);
  if (batch.assetId === '') throw new RuleError('telemetry batch has no asset id');
  checkEventTexts(`telemetry batch of asset "${batch.assetId}"`, batch);
  if (record.key !== '' && record.key !== batch.assetId) {
    throw new RuleError(`telemetry batch of asset "${batch.assetId}" was keyed "${record.key}"`);
  }
  const samples: MonitorSample[] = [];
  batch.points.forEach((point, i) => {
    const at = `point ${i} (signal "${point.signal}") of asset "${batch.assetId}"`;
    if (point.signal === '') throw new RuleError(`${at} has no signal name`);
    checkEventTime(`${at}: time`, point.timeUs);
    const value = modelValue(point);
    if (value === undefined) return;
    samples.push({
      signal: point.signal,
      timeUs: point.timeUs,
      value,
      good: point.quality === Quality.QUALITY_GOOD || point.quality === Quality.QUALITY_UNSPECIFIED,
      unit: point.unit,
    });
  });
  return { assetId: batch.assetId, samples };
}
