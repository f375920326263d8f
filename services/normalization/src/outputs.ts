// What one handled batch produces, gathered from the Normalizer's per-record results: the messages to store and
// publish (merged per asset, each under the 1 MiB message limit) and the hot-state entries. Pure.
import type { NormalizeResult } from '@kiln/asset-model';
import type {
  MachineStateEvent,
  ProductionCountBatch,
  ProductionCountDelta,
  TelemetryBatch,
  TelemetryPoint,
} from '@kiln/contracts';
import { canonicalState, type AssetStateEntry, type LastValueEntry } from '@kiln/timeseries';

export interface BatchOutputs {
  readonly telemetry: TelemetryBatch[];
  readonly machineStateEvents: MachineStateEvent[];
  readonly productionCounts: ProductionCountBatch[];
  readonly lastValues: LastValueEntry[];
  readonly assetStates: AssetStateEntry[];
  readonly telemetryPoints: number;
  readonly countDeltas: number;
}

/** Points per telemetry message at most: a point encodes to well under 200 bytes, so a message stays < 1 MiB. */
export const MAX_POINTS_PER_MESSAGE = 2_000;

export function gatherOutputs(
  results: readonly NormalizeResult[],
  maxPointsPerMessage = MAX_POINTS_PER_MESSAGE,
): BatchOutputs {
  const points = new Map<string, TelemetryPoint[]>();
  const deltas = new Map<string, ProductionCountDelta[]>();
  const machineStateEvents: MachineStateEvent[] = [];
  let telemetryPoints = 0;
  let countDeltas = 0;
  for (const result of results) {
    for (const batch of result.telemetry) {
      append(points, batch.assetId, batch.points);
      telemetryPoints += batch.points.length;
    }
    for (const batch of result.productionCounts) {
      append(deltas, batch.assetId, batch.deltas);
      countDeltas += batch.deltas.length;
    }
    for (const event of result.machineStateEvents) machineStateEvents.push(event);
  }
  const telemetry: TelemetryBatch[] = [];
  for (const [assetId, assetPoints] of points) {
    // One message per asset unless it holds more points than a message may: no copy then.
    if (assetPoints.length <= maxPointsPerMessage) {
      telemetry.push({ assetId, points: assetPoints });
      continue;
    }
    for (let start = 0; start < assetPoints.length; start += maxPointsPerMessage) {
      telemetry.push({ assetId, points: assetPoints.slice(start, start + maxPointsPerMessage) });
    }
  }
  return {
    telemetry,
    machineStateEvents,
    productionCounts: [...deltas].map(([assetId, assetDeltas]) => ({ assetId, deltas: assetDeltas })),
    lastValues: lastValues(points),
    assetStates: latestStates(machineStateEvents),
    telemetryPoints,
    countDeltas,
  };
}

/** Items pushed one by one: a spread of a large record's points would pass them all as call arguments. */
function append<T>(map: Map<string, T[]>, key: string, items: readonly T[]): void {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  for (const item of items) list.push(item);
}

/** The newest point of every signal; waveforms (arrays) have no single last value and are left out. */
function lastValues(points: ReadonlyMap<string, readonly TelemetryPoint[]>): LastValueEntry[] {
  const entries: LastValueEntry[] = [];
  for (const [assetId, assetPoints] of points) {
    const newest = new Map<string, TelemetryPoint>();
    for (const point of assetPoints) {
      const known = newest.get(point.signal);
      if (known === undefined || point.timeUs >= known.timeUs) newest.set(point.signal, point);
    }
    for (const point of newest.values()) {
      const entry = lastValueEntry(assetId, point);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

function lastValueEntry(assetId: string, point: TelemetryPoint): LastValueEntry | undefined {
  const base = { assetId, signal: point.signal, timeUs: point.timeUs, quality: point.quality };
  const kind = point.value?.kind;
  switch (kind?.$case) {
    case 'numberValue':
    case 'intValue':
      return { ...base, value: kind.value, valueText: null };
    case 'boolValue':
      return { ...base, value: kind.value ? 1 : 0, valueText: null };
    case 'stringValue':
      return { ...base, value: null, valueText: kind.value };
    case 'arrayValue':
      return undefined;
    case undefined:
      return { ...base, value: null, valueText: null };
  }
}

/** Per asset, the state it is in after the batch, with the time it entered it. */
function latestStates(events: readonly MachineStateEvent[]): AssetStateEntry[] {
  const latest = new Map<string, AssetStateEntry>();
  for (const { assetId, event } of events) {
    if (event?.$case !== 'change') continue;
    const state = canonicalState(event.value.state);
    if (state === undefined) continue;
    const known = latest.get(assetId);
    if (known !== undefined && known.sinceUs > event.value.startTimeUs) continue;
    latest.set(assetId, {
      assetId,
      state,
      sinceUs: event.value.startTimeUs,
      reasonCode: event.value.reasonCode,
      reasonText: event.value.reasonText,
    });
  }
  return [...latest.values()];
}
