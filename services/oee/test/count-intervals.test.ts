// Issue 15, part 1, from the PLC reads to the OEE of two shifts: normalization turns two counter reads that
// straddle the shift end into one delta with its interval start, and the core shares it between the shifts by
// time. No infrastructure: both are pure.
import { Normalizer, parsePlantConfig } from '@kiln/asset-model';
import { MachineState, Quality, type RawSampleBatch } from '@kiln/contracts';
import { computeOee, countDeltaFromEvent, type CountDelta, type OeeInput } from '@kiln/oee';

const S = 1_000_000;
const HOUR = 3600 * S;
const DAY_US = Date.UTC(2026, 2, 2) * 1000;
const at = (hours: number, minutes = 0): number => DAY_US + hours * HOUR + minutes * 60 * S;
const MACHINE = 'acme/plant-1/assembly/line-1/machine-1';

const PLANT_YAML = `enterprise: { id: acme }
sites:
  - id: plant-1
    areas:
      - id: assembly
        lines:
          - id: line-1
            assets:
              - id: machine-1
                signals:
                  - { name: parts-total, unit: '{count}', type: integer }
mappings:
  - source: mqtt/*
    tag: '{line}/{machine}/totalCount'
    asset: acme/plant-1/assembly/{line}/{machine}
    signal: parts-total
    role: total-counter
    counter: { rollover: 65536 }
`;

function read(raw: number, timeUs: number): RawSampleBatch {
  return {
    sourceId: 'mqtt/plant-1',
    connector: 'mqtt',
    samples: [
      {
        tag: 'line-1/machine-1/totalCount',
        value: { kind: { $case: 'intValue', value: raw } },
        quality: Quality.QUALITY_GOOD,
        sourceTimeUs: timeUs,
        receiveTimeUs: timeUs,
        statusCode: 0,
      },
    ],
  };
}

function shift(fromUs: number, toUs: number, counts: CountDelta[]): OeeInput {
  return {
    range: { fromUs, toUs },
    states: [{ startUs: at(6), state: MachineState.MACHINE_STATE_RUNNING }],
    counts,
    shifts: [
      { shiftId: 'early', startUs: at(6), endUs: at(14) },
      { shiftId: 'late', startUs: at(14), endUs: at(22) },
    ],
    settings: { defaultIdealCycleTimeS: 2 },
  };
}

describe('a counter delta straddling a shift end', () => {
  it('is shared between the two shifts by the time each holds of it', () => {
    const normalizer = new Normalizer(parsePlantConfig(PLANT_YAML, 'plant.yaml'));
    normalizer.process(read(1000, at(13, 45)));
    // 900 parts between 13:45 and 14:15: 450 in each shift.
    const { productionCounts } = normalizer.process(read(1900, at(14, 15)));
    const deltas = productionCounts.flatMap((batch) => (batch.assetId === MACHINE ? batch.deltas : []));
    expect(deltas).toHaveLength(1);
    const counts = deltas.map((delta) => countDeltaFromEvent(delta));
    const early = computeOee(shift(at(6), at(14), counts));
    const late = computeOee(shift(at(14), at(22), counts));
    expect(early.totalCount).toBeCloseTo(450, 9);
    expect(late.totalCount).toBeCloseTo(450, 9);
    expect(early.idealProductionTimeS).toBeCloseTo(900, 9);
    expect(early.totalCount + late.totalCount).toBe(900);
  });
});
