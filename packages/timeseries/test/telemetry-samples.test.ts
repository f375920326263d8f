// Telemetry points walked into a column sink: the same mapping as telemetryRows, with no row per sample. Pure.
import { Quality, type TelemetryBatch } from '@kiln/contracts';
import { telemetryRows } from '../src';
import { addTelemetryPoints, TelemetryColumns, unknownSignals } from '../src/telemetry-samples';

const point = (
  signal: string,
  timeUs: number,
  kind: NonNullable<TelemetryBatch['points'][number]['value']>['kind'],
) => ({
  signal,
  value: { kind },
  quality: Quality.QUALITY_GOOD,
  timeUs,
  receiveTimeUs: timeUs,
  unit: 'mm/s',
});

const batches: TelemetryBatch[] = [
  {
    assetId: 'a/one',
    points: [
      point('n', 30, { $case: 'numberValue', value: 1.5 }),
      point('i', 10, { $case: 'intValue', value: 7 }),
      point('b', 20, { $case: 'boolValue', value: true }),
      point('w', 5, { $case: 'arrayValue', value: { values: [1] } }),
      point('n', 40, { $case: 'numberValue', value: 2.5 }),
    ],
  },
  {
    assetId: 'a/two',
    points: [
      point('n', 25, { $case: 'stringValue', value: 'x' }),
      {
        signal: 'gap',
        value: undefined,
        quality: Quality.QUALITY_BAD,
        timeUs: 26,
        receiveTimeUs: 26,
        unit: '',
      },
    ],
  },
];

describe('unknownSignals', () => {
  it('names each signal without an id once, with its first unit and type, and no waveform-only signal', () => {
    const known = new Map([['a/one', new Map([['i', 3]])]]);
    expect(unknownSignals(batches, (assetId) => known.get(assetId))).toEqual([
      { assetId: 'a/one', name: 'n', unit: 'mm/s', dataType: 'number' },
      { assetId: 'a/one', name: 'b', unit: 'mm/s', dataType: 'boolean' },
      { assetId: 'a/two', name: 'n', unit: 'mm/s', dataType: 'string' },
      { assetId: 'a/two', name: 'gap', unit: '' },
    ]);
  });
});

describe('addTelemetryPoints', () => {
  it('hands the sink what telemetryRows maps, in order, and says the time range', () => {
    const ids = new Map([
      [
        'a/one',
        new Map([
          ['n', 1],
          ['i', 2],
          ['b', 3],
        ]),
      ],
      [
        'a/two',
        new Map([
          ['n', 4],
          ['gap', 5],
        ]),
      ],
    ]);
    const columns = new TelemetryColumns();
    const summary = addTelemetryPoints(batches, (assetId) => ids.get(assetId), columns);
    expect(summary).toEqual({ received: 6, skippedWaveforms: 1, fromUs: 10, toUs: 40 });
    const { rows, skippedWaveforms } = telemetryRows(batches);
    expect(skippedWaveforms).toBe(1);
    expect(columns.params(0, columns.rowCount)).toEqual([
      rows.map((row) => row.timeUs),
      rows.map((row) => ids.get(row.signal.assetId)?.get(row.signal.name)),
      rows.map((row) => row.value),
      rows.map((row) => row.valueText),
      rows.map((row) => row.quality),
    ]);
  });

  it('throws naming the signal that has no id', () => {
    expect(() => addTelemetryPoints(batches, () => undefined, new TelemetryColumns())).toThrow(
      'signal "n" of asset "a/one" got no id',
    );
  });

  it('says no time range for batches without samples', () => {
    expect(addTelemetryPoints([], () => undefined, new TelemetryColumns())).toEqual({
      received: 0,
      skippedWaveforms: 0,
    });
  });
});
