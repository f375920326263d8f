import { parseAssetModel, parsePlantConfig } from '../src';
import { configErrors, PLANT_YAML, position } from './fixtures';

const MINIMAL = (signals: string, extra = ''): string => `enterprise:
  id: acme
sites:
  - id: plant-1
    areas:
      - id: pressing
        lines:
          - id: line-2
            assets:
              - id: press-04
                signals:
${signals}
${extra}`;

describe('parseAssetModel', () => {
  it('reads the README example: hierarchy nodes, asset ids as lower-case paths, signals with defaults', () => {
    const model = parseAssetModel(PLANT_YAML, 'plant.yaml');
    expect(model.nodes.map((n) => `${n.level} ${n.id}`)).toEqual([
      'enterprise acme',
      'site acme/plant-1',
      'area acme/plant-1/pressing',
      'line acme/plant-1/pressing/line-2',
      'cell acme/plant-1/pressing/line-2/cell-1',
    ]);
    expect(model.assets.map((a) => a.id)).toEqual([
      'acme/plant-1/pressing/line-2/cell-1/robot-1',
      'acme/plant-1/pressing/line-2/press-04',
      'acme/plant-1/pressing/line-2/press-05',
    ]);
    const press = model.assetsById.get('acme/plant-1/pressing/line-2/press-04');
    expect(press).toMatchObject({
      name: 'Press 04',
      type: 'press',
      parentId: 'acme/plant-1/pressing/line-2',
      defaults: { idealCycleTimeS: 2.5, microStopThresholdS: 90 },
    });
    expect(press?.signalsByName.get('oil-temperature')).toEqual({
      name: 'oil-temperature',
      unit: 'Cel',
      type: 'number',
      description: 'Hydraulic oil temperature',
    });
    expect(press?.signalsByName.get('order-number')).toMatchObject({ type: 'string', unit: '' });
  });

  it('reads the README example with its mapping rules', () => {
    const { mappings } = parsePlantConfig(PLANT_YAML, 'plant.yaml');
    expect(mappings.rules.map((r) => r.name)).toContain('line-2-oil-temperature');
    expect(mappings.rules[0]?.location).toBe(position(PLANT_YAML, 'name: line-2-oil-temperature'));
  });

  it('names file, line, column and key of a non-UCUM unit and suggests the UCUM code', () => {
    const text = MINIMAL('                  - { name: temperature, unit: degC }');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'degC')} sites[0].areas[0].lines[0].assets[0].signals[0].unit: ` +
        `'degC' is not a valid UCUM unit (did you mean 'Cel'?)`,
    ]);
  });

  it('suggests bracketed UCUM codes that ucum-lhc knows (psi -> [psi])', () => {
    const text = MINIMAL('                  - { name: pressure, unit: psi }');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))[0]).toMatch(
      /unit: 'psi' is not a valid UCUM unit \(did you mean '\[psi\]'\?\)$/,
    );
  });

  it('points at an unknown key', () => {
    const text = MINIMAL('                  - name: temperature\n                    units: Cel');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'units')} sites[0].areas[0].lines[0].assets[0].signals[0].units: unrecognized key`,
    ]);
  });

  it('reports a missing required key where it belongs', () => {
    const text = MINIMAL('                  - unit: Cel');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'unit: Cel')} sites[0].areas[0].lines[0].assets[0].signals[0].name: required (expected string)`,
    ]);
  });

  it('rejects ids that are not lower-case path segments', () => {
    const text = MINIMAL('                  - { name: temperature }').replace('id: press-04', 'id: Press 04');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'Press 04')} sites[0].areas[0].lines[0].assets[0].id: "Press 04" is not a valid id: ` +
        "use lower case letters, digits, '-', '_' and '.', starting with a letter or digit",
    ]);
  });

  it('rejects a wrong signal type with the allowed ones', () => {
    const text = MINIMAL('                  - { name: temperature, type: float }');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'float')} sites[0].areas[0].lines[0].assets[0].signals[0].type: ` +
        'expected one of number, integer, boolean, string, array, received "float"',
    ]);
  });

  it('reports duplicate asset ids and duplicate signal names, all at once', () => {
    const text = `enterprise: { id: acme }
sites:
  - id: plant-1
    areas:
      - id: pressing
        lines:
          - id: line-2
            cells:
              - id: press-04
                assets: []
            assets:
              - id: press-04
                signals:
                  - { name: speed, unit: 1/min }
                  - { name: speed, unit: Hz }
`;
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'press-04\n                signals')} sites[0].areas[0].lines[0].assets[0].id: ` +
        "duplicate id 'press-04' (ids must be unique among siblings)",
      `${position(text, 'speed, unit: Hz')} sites[0].areas[0].lines[0].assets[0].signals[1].name: ` +
        "duplicate signal name 'speed' in asset acme/plant-1/pressing/line-2/press-04",
    ]);
  });

  it('refuses a unit on a string signal', () => {
    const text = MINIMAL('                  - { name: order, type: string, unit: Cel }');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))[0]).toMatch(
      /signals\[0\]\.unit: a string signal has no unit; remove 'unit'$/,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    expect(configErrors(() => parseAssetModel('enterprise: [acme\n', 'plant.yaml'))[0]).toMatch(
      /^plant\.yaml:\d+:\d+ YAML syntax error/,
    );
  });

  it('rejects an empty file with the keys it needs', () => {
    expect(configErrors(() => parseAssetModel('', 'plant.yaml'))).toEqual([
      'plant.yaml:1:1 enterprise: required (expected object)',
      'plant.yaml:1:1 sites: required (expected array)',
    ]);
  });
});
