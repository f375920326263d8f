// gatherOutputs merges the normalizer's per-record results per asset and cuts telemetry at the message limit.
import type { NormalizeResult } from '@kiln/asset-model';
import { emptyStats } from '@kiln/asset-model';
import { Quality, type TelemetryPoint } from '@kiln/contracts';
import { gatherOutputs } from '../src/outputs';

function point(signal: string, timeUs: number, value: number): TelemetryPoint {
  return {
    signal,
    value: { kind: { $case: 'numberValue', value } },
    quality: Quality.QUALITY_GOOD,
    timeUs,
    receiveTimeUs: timeUs,
    unit: '',
  };
}

function result(telemetry: { assetId: string; points: TelemetryPoint[] }[]): NormalizeResult {
  return {
    telemetry,
    machineStateEvents: [],
    productionCounts: [],
    stateChanges: [],
    countDeltas: [],
    orderChanges: [],
    counterEvents: [],
    rejected: [],
    stats: emptyStats(),
  };
}

describe('gatherOutputs', () => {
  it('merges the points of an asset across records, in order, and cuts them at the message limit', () => {
    const first = [point('t', 1, 1), point('t', 2, 2)];
    const second = [point('t', 3, 3), point('p', 3, 9)];
    const outputs = gatherOutputs(
      [
        result([{ assetId: 'a', points: first }]),
        result([
          { assetId: 'a', points: second },
          { assetId: 'b', points: [point('t', 1, 5)] },
        ]),
      ],
      3,
    );
    expect(outputs.telemetry.map((batch) => [batch.assetId, batch.points.map((p) => p.timeUs)])).toEqual([
      ['a', [1, 2, 3]],
      ['a', [3]],
      ['b', [1]],
    ]);
    expect(outputs.telemetryPoints).toBe(5);
    // The newest point per signal for the hot state.
    expect(outputs.lastValues.map((entry) => [entry.assetId, entry.signal, entry.value])).toEqual([
      ['a', 't', 3],
      ['a', 'p', 9],
      ['b', 't', 5],
    ]);
    // The results' own lists are left as they were.
    expect(first).toHaveLength(2);
  });

  it('takes a record of more points than a call may have arguments', () => {
    const points = Array.from({ length: 300_000 }, (_, i) => point('t', i, i));
    const outputs = gatherOutputs([result([{ assetId: 'a', points }]), result([{ assetId: 'a', points }])]);
    expect(outputs.telemetryPoints).toBe(600_000);
    expect(outputs.telemetry).toHaveLength(300);
  });
});
