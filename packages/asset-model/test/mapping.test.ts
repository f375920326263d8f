import {
  MappingMatcher,
  parseAssetModel,
  parseMappingRules,
  parsePlantConfig,
  type ResolvedMapping,
} from '../src';
import { configErrors, PLANT_YAML, position, PRESS_04, PRESS_05, ROBOT_1 } from './fixtures';

const model = parseAssetModel(PLANT_YAML, 'plant.yaml');
const parse = (text: string) => parseMappingRules(text, 'mapping.yaml', model);
const errorsOf = (text: string) => configErrors(() => parse(text));

function mapped(matcher: MappingMatcher, sourceId: string, tag: string): ResolvedMapping {
  const resolution = matcher.resolve(sourceId, tag);
  if (resolution.kind !== 'mapped') throw new Error(`${tag}: ${resolution.detail}`);
  return resolution;
}

describe('mapping rules: matching', () => {
  const { mappings } = parsePlantConfig(PLANT_YAML, 'plant.yaml');
  const matcher = new MappingMatcher(model, mappings);

  it('maps a whole line with one rule: {machine} fills the asset id, slugified', () => {
    const press04 = mapped(matcher, 'opcua/line-2-plc', 'ns=2;s=Line2.Press_04.OilTemp');
    const press05 = mapped(matcher, 'opcua/line-2-plc', 'ns=2;s=Line2.Press_05.OilTemp');
    expect([press04.assetId, press04.signal?.name]).toEqual([PRESS_04, 'oil-temperature']);
    expect([press05.assetId, press05.signal?.name]).toEqual([PRESS_05, 'oil-temperature']);
    expect(press04.rule.name).toBe('line-2-oil-temperature');
  });

  it('takes captures from regular expressions with named groups', () => {
    const parts = mapped(matcher, 'opcua/line-2-plc', 'ns=2;s=Line2.Press_05.PartsTotal');
    expect([parts.assetId, parts.rule.role, parts.channel]).toEqual([
      PRESS_05,
      'total-counter',
      `${PRESS_05}#parts-total`,
    ]);
  });

  it('matches sources by glob (* within a segment, ** across segments) and signals by template', () => {
    expect(mapped(matcher, 'opcua/line-9-plc', 'ns=2;s=Line2.Press_04.State').rule.role).toBe(
      'machine-state',
    );
    const torque = mapped(matcher, 'sparkplug/plant1/edge-3/robot-1', 'Robot1/Axis-1-Torque');
    expect([torque.assetId, torque.signal?.name]).toEqual([ROBOT_1, 'axis-1-torque']);
    expect(matcher.resolve('opcua/line-2-plc/extra', 'ns=2;s=Line2.Press_04.OilTemp').kind).toBe('unmapped');
  });

  it('composes scale, offset and unit conversion into the signal unit', () => {
    expect(mapped(matcher, 'opcua/line-2-plc', 'ns=2;s=Line2.Press_04.OilTemp').toSignalValue(212)).toBe(100);
    expect(mapped(matcher, 'opcua/line-2-plc', 'ns=2;s=Line2.Press_04.StrokeFreq').toSignalValue(0.5)).toBe(
      30,
    );
  });

  it('says why a tag is unmapped: no rule, or captures naming an asset or signal the model lacks', () => {
    expect(matcher.resolve('opcua/line-2-plc', 'ns=2;s=Line2.Press_04.Unknown')).toEqual({
      kind: 'unmapped',
      reason: 'no-rule',
      detail: 'no mapping rule matches',
    });
    expect(matcher.resolve('opcua/line-2-plc', 'ns=2;s=Line2.Press_99.OilTemp')).toEqual({
      kind: 'unmapped',
      reason: 'unknown-asset',
      detail:
        `rule line-2-oil-temperature (${position(PLANT_YAML, 'name: line-2-oil-temperature')}) ` +
        "gives unknown asset 'acme/plant-1/pressing/line-2/press-99'",
    });
    expect(matcher.resolve('sparkplug/plant1/edge-3/robot-1', 'Robot1/Axis-9-Torque')).toMatchObject({
      kind: 'unmapped',
      reason: 'unknown-signal',
    });
  });

  it('lets the first matching rule win', () => {
    const rules = parse(`mappings:
  - { tag: 'T/{machine}/Temp', asset: 'acme/plant-1/pressing/line-2/{machine}', signal: oil-temperature }
  - { tag: 'T/press-04/*', asset: ${PRESS_05}, signal: stroke-rate }
`);
    const first = new MappingMatcher(model, rules);
    expect(mapped(first, 'any', 'T/press-04/Temp').rule.index).toBe(0);
    expect(mapped(first, 'any', 'T/press-04/Speed').rule.index).toBe(1);
  });

  it('resolves thousands of tags quickly through its cache', () => {
    const tags = Array.from({ length: 5000 }, (_, i) => `ns=2;s=Line2.Press_0${i % 2 === 0 ? 4 : 5}.Tag${i}`);
    const started = performance.now();
    for (let round = 0; round < 20; round += 1) {
      for (const tag of tags) matcher.resolve('opcua/line-2-plc', tag);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('mapping rules: validation at load', () => {
  it('rejects a static asset that is not in the model', () => {
    const text = `mappings:
  - tag: Temp
    asset: acme/plant-1/pressing/line-2/press-99
    signal: oil-temperature
`;
    expect(errorsOf(text)).toEqual([
      `${position(text, 'acme/', 'mapping.yaml')} mappings[0].asset: ` +
        "unknown asset 'acme/plant-1/pressing/line-2/press-99' (not in the asset model)",
    ]);
  });

  it('rejects a static signal the asset does not have, listing the ones it has', () => {
    const text = `mappings:\n  - { tag: Temp, asset: ${PRESS_04}, signal: temp }\n`;
    expect(errorsOf(text)).toEqual([
      `${position(text, 'temp }', 'mapping.yaml')} mappings[0].signal: asset '${PRESS_04}' has no signal 'temp' ` +
        '(signals: oil-temperature, stroke-rate, parts-total, order-number)',
    ]);
  });

  it('rejects a template placeholder that no pattern captures', () => {
    const text = `mappings:\n  - { tag: 'L/{machine}/T', asset: 'acme/plant-1/pressing/{line}/{machine}', signal: x }\n`;
    expect(errorsOf(text)).toEqual([
      `${position(text, "'acme", 'mapping.yaml')} mappings[0].asset: ` +
        "{line} is not captured by 'source' or 'tag' (captures: {machine})",
    ]);
  });

  it('rejects incompatible units at load when the target is fixed', () => {
    const text = `mappings:\n  - { tag: T, asset: ${PRESS_04}, signal: oil-temperature, unit: m }\n`;
    expect(errorsOf(text)).toEqual([
      `${position(text, 'm }', 'mapping.yaml')} mappings[0].unit: ` +
        "'m' cannot be converted to 'Cel' (incompatible units) (unit of signal 'oil-temperature')",
    ]);
  });

  it('rejects a unit no signal of that name can take, also when the asset comes from a capture', () => {
    const text = `mappings:\n  - { tag: 'T/{m}', asset: 'acme/plant-1/pressing/line-2/{m}', signal: stroke-rate, unit: Cel }\n`;
    expect(errorsOf(text)).toEqual([
      `${position(text, 'Cel', 'mapping.yaml')} mappings[0].unit: ` +
        "'Cel' cannot be converted to '1/min' (incompatible units) (unit of signal 'stroke-rate')",
    ]);
  });

  it('rejects a non-UCUM source unit with a suggestion', () => {
    const text = `mappings:\n  - { tag: T, asset: ${PRESS_04}, signal: oil-temperature, unit: degF }\n`;
    expect(errorsOf(text)[0]).toMatch(
      /mappings\[0\]\.unit: 'degF' is not a valid UCUM unit \(did you mean '\[degF\]'\?\)$/,
    );
  });

  it('rejects unknown states, keys of other roles and a missing signal', () => {
    const text = `mappings:
  - tag: S
    asset: ${PRESS_04}
    role: machine-state
    states:
      1: RUNNING
      2: STOPPED
  - tag: C
    asset: ${PRESS_04}
    role: total-counter
    deadband: { absolute: 1 }
  - tag: M
    asset: ${PRESS_04}
`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(
      `${position(text, 'STOPPED', 'mapping.yaml')} mappings[0].states.2: expected one of ` +
        'RUNNING, IDLE, STARVED, BLOCKED, CHANGEOVER, BREAKDOWN, PLANNED_STOP, NO_ORDER, UNKNOWN_STOP, OFFLINE, ' +
        'received "STOPPED"',
    );
    const semantic = errorsOf(text.replace('STOPPED', 'IDLE'));
    expect(semantic).toEqual([
      `${position(text, '{ absolute', 'mapping.yaml')} mappings[1].deadband: ` +
        "only allowed for role measurement (this rule's role is total-counter)",
      `${position(text, 'tag: M', 'mapping.yaml')} mappings[2].signal: required for role measurement`,
    ]);
  });

  it('rejects a counter signal that is not numeric and an invalid regular expression', () => {
    const text = `mappings:
  - { tag: C, asset: ${PRESS_04}, signal: order-number, role: good-counter }
  - { tag: '/(?<m>[/', asset: ${PRESS_04}, signal: oil-temperature }
`;
    const errors = errorsOf(text);
    expect(errors[0]).toBe(
      `${position(text, 'order-number,', 'mapping.yaml')} mappings[0].signal: signal 'order-number' is of type ` +
        'string; a good-counter needs a number or integer signal',
    );
    expect(errors[1]).toMatch(/^mapping\.yaml:3:\d+ mappings\[1\]\.tag: invalid regular expression/);
  });

  it('accepts a separate mapping file with no rules', () => {
    expect(parse('mappings: []\n').rules).toEqual([]);
  });
});
