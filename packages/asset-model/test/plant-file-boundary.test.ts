// Regressions found by fuzzing the plant file (test/plant-file.fuzz.test.ts): each file below was once accepted
// with text PostgreSQL refuses, or refused with an error that was not a ConfigError; now it is a ConfigError
// naming the file and the key or position.
import { parsePlantConfig } from '../src';
import { configErrors } from './fixtures';

const plant = (assetLines: string, mappingLines = ''): string =>
  [
    'enterprise: { id: acme }',
    'sites:',
    '  - id: plant-1',
    '    areas:',
    '      - id: pressing',
    '        lines:',
    '          - id: line-2',
    '            assets:',
    assetLines,
    mappingLines,
  ].join('\n');

describe('plant file at the boundary', () => {
  it('refuses an alias bomb as a ConfigError naming the file (it was a ReferenceError)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e', 'f'].map(
        (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`,
      ),
    ].join('\n');
    expect(configErrors(() => parsePlantConfig(bomb, 'plant.yaml'))).toEqual([
      expect.stringMatching(/^plant\.yaml:1:1 YAML syntax error: cannot be read: Excessive alias count/),
    ]);
  });

  it('refuses a stop reason and an asset name with U+0000, naming the key', () => {
    const text = plant(
      '              - { id: press-04, name: "Press\\0 04" }',
      [
        'mappings:',
        '  - tag: State',
        '    asset: acme/plant-1/pressing/line-2/press-04',
        '    role: machine-state',
        '    states:',
        '      10: { state: BREAKDOWN, reason: { code: E-HYD, text: "Hydraulic\\0" } }',
      ].join('\n'),
    );
    expect(configErrors(() => parsePlantConfig(text, 'plant.yaml'))).toEqual([
      expect.stringMatching(
        /^plant\.yaml:9:\d+ sites\[0\]\.areas\[0\]\.lines\[0\]\.assets\[0\]\.name: holds the character U\+0000/,
      ),
    ]);
    const mappingOnly = plant('              - { id: press-04 }', text.split('\n').slice(9).join('\n'));
    expect(configErrors(() => parsePlantConfig(mappingOnly, 'plant.yaml'))).toEqual([
      expect.stringMatching(
        /^plant\.yaml:15:\d+ mappings\[0\]\.states\.10\.reason\.text: holds the character U\+0000/,
      ),
    ]);
  });

  it('refuses an id of 5000 characters, which made asset ids longer than any text field', () => {
    const errors = configErrors(() =>
      parsePlantConfig(plant(`              - { id: ${'x'.repeat(5_000)} }`), 'plant.yaml'),
    );
    expect(errors).toEqual([
      expect.stringMatching(/assets\[0\]\.id: an id is at most 128 characters, this one is 5000$/),
    ]);
  });

  it('refuses nesting thousands deep at its position before the yaml library recurses into it', () => {
    expect(configErrors(() => parsePlantConfig(`x: ${'['.repeat(2_000)}`, 'plant.yaml'))).toEqual([
      'plant.yaml:1:68 YAML nested deeper than 64 levels',
    ]);
    expect(configErrors(() => parsePlantConfig(`${'- '.repeat(2_000)}x`, 'plant.yaml'))).toEqual([
      expect.stringMatching(/^plant\.yaml:1:\d+ YAML indented or nested deeper than 64 levels/),
    ]);
  });
});
