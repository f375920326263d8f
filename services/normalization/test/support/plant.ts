// A small plant for tests: one line of two machines (M1, M2) with a temperature, a state code, total and reject
// counters and an order number, under an enterprise id of the test's own so shared topics can be filtered.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Quality, type RawSample, type RawSampleBatch, type Value } from '@kiln/contracts';

export interface TestPlant {
  readonly enterprise: string;
  readonly sourceId: string;
  readonly file: string;
  readonly dir: string;
  /** Asset id of machine M1 / M2. */
  assetId(machine: 'm1' | 'm2' | 'm3'): string;
  yaml(options?: { withM3?: boolean }): string;
}

export function testPlant(prefix = 'ent'): TestPlant {
  const enterprise = `${prefix}-${randomBytes(4).toString('hex')}`;
  const sourceId = `opcua/${enterprise}-plc`;
  const dir = mkdtempSync(join(tmpdir(), 'kiln-plant-'));
  const file = join(dir, 'plant.yaml');
  const line = `${enterprise}/site-1/area-1/line-1`;
  const machine = (id: string): string => `
              - id: ${id}
                name: Machine ${id}
                type: press
                signals:
                  - { name: temperature, unit: Cel }
                  - { name: parts-total, unit: '{parts}', type: integer }
                  - { name: order-number, type: string }`;
  const plant: TestPlant = {
    enterprise,
    sourceId,
    file,
    dir,
    assetId: (id) => `${line}/${id}`,
    yaml: (options = {}) => `enterprise:
  id: ${enterprise}
  name: Test enterprise
sites:
  - id: site-1
    areas:
      - id: area-1
        lines:
          - id: line-1
            assets:${machine('m1')}${machine('m2')}${options.withM3 === true ? machine('m3') : ''}
mappings:
  - name: temperature
    source: ${sourceId}
    tag: '{machine}.Temp'
    asset: ${line}/{machine}
    signal: temperature
  - name: state
    source: ${sourceId}
    tag: '{machine}.State'
    asset: ${line}/{machine}
    role: machine-state
    states:
      1: RUNNING
      2: IDLE
      10: { state: BREAKDOWN, reason: { code: E-JAM, text: Die jammed } }
  - name: total
    source: ${sourceId}
    tag: '{machine}.Total'
    asset: ${line}/{machine}
    signal: parts-total
    role: total-counter
    counter: { rollover: 65536 }
  - name: rejects
    source: ${sourceId}
    tag: '{machine}.Reject'
    asset: ${line}/{machine}
    role: reject-counter
  - name: order
    source: ${sourceId}
    tag: '{machine}.Order'
    asset: ${line}/{machine}
    signal: order-number
    role: order-number
`,
  };
  writeFileSync(file, plant.yaml());
  return plant;
}

export const T0_US = Date.UTC(2026, 0, 5, 6) * 1000;
export const SECOND_US = 1_000_000;

export const num = (value: number): Value => ({ kind: { $case: 'numberValue', value } });
export const int = (value: number): Value => ({ kind: { $case: 'intValue', value } });
export const str = (value: string): Value => ({ kind: { $case: 'stringValue', value } });

export function sample(tag: string, value: Value, timeUs: number): RawSample {
  return {
    tag,
    value,
    quality: Quality.QUALITY_GOOD,
    statusCode: 0,
    sourceTimeUs: timeUs,
    receiveTimeUs: timeUs + 1_000,
  };
}

export function rawBatch(plant: TestPlant, samples: RawSample[]): RawSampleBatch {
  return { sourceId: plant.sourceId, connector: 'opcua', samples };
}

/**
 * Tick `i` of a steady run: both machines report a temperature (always different), their counters (M1 makes 3
 * parts a tick, one in 10 a reject; M2 makes 2) and their state; M1 breaks down every 7th tick.
 */
export function tickSamples(i: number, timeUs = T0_US + i * SECOND_US): RawSample[] {
  return [
    sample('M1.Temp', num(20 + i / 100), timeUs),
    sample('M1.Total', int(1000 + 3 * i), timeUs),
    sample('M1.Reject', int(Math.floor((3 * i) / 10)), timeUs),
    sample('M1.State', int(i % 7 === 6 ? 10 : 1), timeUs),
    sample('M2.Temp', num(30 + i / 100), timeUs),
    sample('M2.Total', int(500 + 2 * i), timeUs),
    sample('M2.State', int(1), timeUs),
  ];
}
