// Mapping Kiln events onto historian rows, and the SQL helpers: pure, no database.
import { MachineState, Quality } from '@kiln/contracts';
import {
  canonicalState,
  ceilUs,
  checkedSchema,
  floorUs,
  machineStateRows,
  parseBucket,
  productionCountRows,
  telemetryRows,
  timestampParam,
} from '../src';

describe('telemetryRows', () => {
  it('maps numbers, integers and flags to value, texts to value_text, and skips waveforms', () => {
    const point = (
      signal: string,
      kind: NonNullable<Parameters<typeof telemetryRows>[0][number]['points'][number]['value']>['kind'],
    ) => ({
      signal,
      value: { kind },
      quality: Quality.QUALITY_GOOD,
      timeUs: 5,
      receiveTimeUs: 6,
      unit: 'Cel',
    });
    const { rows, skippedWaveforms } = telemetryRows([
      {
        assetId: 'a/b',
        points: [
          point('n', { $case: 'numberValue', value: 1.5 }),
          point('i', { $case: 'intValue', value: 7 }),
          point('b', { $case: 'boolValue', value: false }),
          point('s', { $case: 'stringValue', value: 'x' }),
          point('w', { $case: 'arrayValue', value: { values: [1] } }),
          {
            signal: 'none',
            value: undefined,
            quality: Quality.QUALITY_BAD,
            timeUs: 5,
            receiveTimeUs: 6,
            unit: '',
          },
        ],
      },
    ]);
    expect(skippedWaveforms).toBe(1);
    expect(rows.map((r) => [r.signal.name, r.signal.dataType, r.value, r.valueText])).toEqual([
      ['n', 'number', 1.5, null],
      ['i', 'integer', 7, null],
      ['b', 'boolean', 0, null],
      ['s', 'string', null, 'x'],
      ['none', undefined, null, null],
    ]);
  });
});

describe('machineStateRows', () => {
  it('names states canonically and separates changes from stop reasons', () => {
    const { changes, reasons } = machineStateRows([
      {
        assetId: 'a',
        event: {
          $case: 'change',
          value: {
            state: MachineState.MACHINE_STATE_PLANNED_STOP,
            startTimeUs: 1,
            reasonCode: 'BRK',
            reasonText: 'break',
            sourceCode: '7',
          },
        },
      },
      {
        assetId: 'a',
        event: {
          $case: 'reason',
          value: {
            stopStartTimeUs: 1,
            reasonCode: 'C',
            reasonText: 'c',
            state: MachineState.MACHINE_STATE_UNSPECIFIED,
            assignedBy: 'op',
            assignedTimeUs: 2,
          },
        },
      },
    ]);
    expect(changes).toEqual([
      {
        assetId: 'a',
        timeUs: 1,
        state: 'PLANNED_STOP',
        reasonCode: 'BRK',
        reasonText: 'break',
        sourceCode: '7',
      },
    ]);
    expect(reasons).toEqual([
      {
        assetId: 'a',
        stopStartTimeUs: 1,
        reasonCode: 'C',
        reasonText: 'c',
        assignedBy: 'op',
        assignedTimeUs: 2,
      },
    ]);
    expect(canonicalState(MachineState.MACHINE_STATE_NO_ORDER)).toBe('NO_ORDER');
  });

  it('refuses a state change without a state, naming the asset', () => {
    expect(() =>
      machineStateRows([
        {
          assetId: 'a/press',
          event: {
            $case: 'change',
            value: {
              state: MachineState.MACHINE_STATE_UNSPECIFIED,
              startTimeUs: 1,
              reasonCode: '',
              reasonText: '',
              sourceCode: '',
            },
          },
        },
      ]),
    ).toThrow(/asset "a\/press"/);
  });
});

describe('productionCountRows', () => {
  it('flattens batches of deltas', () => {
    expect(
      productionCountRows([
        { assetId: 'a', deltas: [{ timeUs: 1, totalCount: 3, goodCount: 2, scrapCount: 1, orderId: 'o' }] },
      ]),
    ).toEqual([{ assetId: 'a', timeUs: 1, totalCount: 3, goodCount: 2, scrapCount: 1, orderId: 'o' }]);
  });
});

describe('sql helpers', () => {
  it('parses fixed bucket widths and refuses calendar ones', () => {
    expect(parseBucket('1m')).toEqual({ interval: '1 minute', widthUs: 60_000_000 });
    expect(parseBucket('5 minutes')).toEqual({ interval: '5 minutes', widthUs: 300_000_000 });
    expect(parseBucket('1 Hour').widthUs).toBe(3_600_000_000);
    expect(() => parseBucket('1 month')).toThrow(/not a fixed width/);
    expect(() => parseBucket('0m')).toThrow(/not a fixed width/);
  });

  it('formats microsecond timestamps and aligns to bucket edges', () => {
    expect(timestampParam(Date.UTC(2026, 0, 5) * 1000 + 123)).toBe('2026-01-05T00:00:00.000123Z');
    expect(floorUs(125, 60)).toBe(120);
    expect(ceilUs(121, 60)).toBe(180);
    expect(() => timestampParam(Number.NaN)).toThrow(/finite/);
  });

  it('accepts only plain lower-case schema names', () => {
    expect(checkedSchema(undefined)).toBe('kiln');
    expect(() => checkedSchema('Kiln')).toThrow();
    expect(() => checkedSchema('a"b')).toThrow();
  });
});
