// The plant file of README.md is the fixture, so the documented example is always a valid one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Quality, type RawSample, type RawSampleBatch, type Value } from '@kiln/contracts';
import { ConfigError } from '@kiln/config-source';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const block = /```yaml\n([\s\S]*?)```/.exec(readme);
if (block?.[1] === undefined) throw new Error('README.md has no yaml block');

export const PLANT_YAML: string = block[1];

/** `file:line:col` of the first occurrence of `needle` in `text` (1-based), pointing at the needle's start. */
export function position(text: string, needle: string, file = 'plant.yaml'): string {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, index).split('\n');
  const line = before.length;
  const col = (before[before.length - 1] ?? '').length + 1;
  return `${file}:${line}:${col}`;
}

/** The messages of the ConfigError thrown by `fn`. */
export function configErrors(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected a ConfigError');
}

export const T0 = 1_780_000_000_000_000; // µs
export const SECOND = 1_000_000;

export const num = (value: number): Value => ({ kind: { $case: 'numberValue', value } });
export const int = (value: number): Value => ({ kind: { $case: 'intValue', value } });
export const str = (value: string): Value => ({ kind: { $case: 'stringValue', value } });
export const bool = (value: boolean): Value => ({ kind: { $case: 'boolValue', value } });

export function sample(tag: string, value: Value, timeUs: number, extra: Partial<RawSample> = {}): RawSample {
  return {
    tag,
    value,
    quality: Quality.QUALITY_GOOD,
    statusCode: 0,
    sourceTimeUs: timeUs,
    receiveTimeUs: timeUs + 1000,
    ...extra,
  };
}

export function batch(samples: RawSample[], sourceId = 'opcua/line-2-plc'): RawSampleBatch {
  return { sourceId, connector: sourceId.split('/')[0] ?? '', samples };
}

export const PRESS_04 = 'acme/plant-1/pressing/line-2/press-04';
export const PRESS_05 = 'acme/plant-1/pressing/line-2/press-05';
export const ROBOT_1 = 'acme/plant-1/pressing/line-2/cell-1/robot-1';
