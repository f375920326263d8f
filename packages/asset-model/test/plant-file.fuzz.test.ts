// Fuzzing the plant file (parsePlantConfig): the README's plant file with one value replaced by a hostile one
// (control characters, huge numbers, wrong types, deep lists), hostile text spliced into it (alias bombs, nesting
// thousands deep, merge keys, `__proto__`, custom tags), and random YAML. It either parses or throws ConfigError
// whose every issue says where (a key path, or file:line:col for syntax); never another error, never slowly; what
// it accepts holds only text PostgreSQL and Kafka take and finite numbers.
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { textProblem } from '@kiln/contracts';
import { fuzzRuns } from '@kiln/test-infra';
import { ConfigError } from '@kiln/config-source';
import { parsePlantConfig, type PlantConfig } from '../src';

// ~5-10 ms per file (the yaml library's parse dominates), so `npm test` tries 500 rather than the usual 2,000;
// `npm run fuzz` tries KILN_FUZZ_RUNS like every suite.
const RUNS = fuzzRuns(500);
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

type Path = readonly (string | number)[];

function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, i) => leafPaths(item, [...path, i]))];
  if (typeof value === 'object' && value !== null) {
    return [path, ...Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...path, key]))];
  }
  return [path];
}

function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value))
    return value.map((item, i) => (i === head ? replaceAt(item, rest, replacement) : item));
  if (typeof value === 'object' && value !== null) {
    return {
      ...value,
      [head]: replaceAt((value as Record<string | number, unknown>)[head], rest, replacement),
    };
  }
  return value;
}

/** A small plant file with every kind of entry: yaml alone takes ~5 ms for the README's, too slow for 10^5 inputs. */
const PLANT_YAML = `
enterprise: { id: acme, name: ACME }
sites:
  - id: p1
    areas:
      - id: a
        lines:
          - id: l2
            assets:
              - id: press-04
                name: Press 04
                type: press
                description: Transfer press
                defaults: { idealCycleTimeS: 2.5, microStopThresholdS: 90 }
                signals: [{ name: oil, unit: Cel, description: Oil }, { name: parts, unit: '{parts}', type: integer }]
            cells: [{ id: c1, assets: [{ id: r1, signals: [{ name: closed, type: boolean }] }] }]
mappings:
  - { name: oil, tag: 'T.{m}.Oil', asset: 'acme/p1/a/l2/{m}', signal: oil, unit: '[degF]', scale: 1, deadband: { absolute: 0.5 } }
  - name: state
    tag: '/^T\\.(?<m>[a-z0-9-]+)\\.State$/'
    asset: acme/p1/a/l2/{m}
    role: machine-state
    states: { 1: RUNNING, 10: { state: BREAKDOWN, reason: { code: E-HYD, text: Hydraulics } } }
    unknownState: { state: UNKNOWN_STOP }
`;
const plant: unknown = parse(PLANT_YAML);
// The mutations start from a valid file, so that every check past the first is reached.
parsePlantConfig(PLANT_YAML, 'base.yaml');
const paths = leafPaths(plant);

// One text in ~30 is longer than any text field may be: tried often, but rare enough to keep 10^5 inputs fast.
const hostileText = fc.oneof(
  { weight: 15, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 15,
    arbitrary: fc.constantFrom('\u0000', 'Press\u000004', '\u001b[2J', '\ud800', '', ' ', 'Cel', '{parts}'),
  },
  { weight: 1, arbitrary: fc.constant('x'.repeat(4_097)) },
);
const hostileValue = fc.oneof(
  hostileText,
  fc.double(),
  fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1, true, null),
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .integer({ min: 1, max: 300 })
    .map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown),
);
const mutatedPlant = fc
  .tuple(fc.constantFrom(...paths), hostileValue)
  .map(([path, value]) => stringify(replaceAt(plant, path, value)));

const billionLaughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const name = String.fromCharCode(98 + i);
    const previous = String.fromCharCode(97 + i);
    return `${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`;
  }),
].join('\n');
const hostileSnippet = fc.oneof(
  fc.constantFrom(
    billionLaughs,
    `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `${'- '.repeat(2_000)}x`,
    `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`,
    Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    Array.from({ length: 60 }, (_, i) => `${' '.repeat(i * 4)}- ${'['.repeat(40)}`).join('\n'),
    'x: 1e999',
    'x: -.inf',
    'x: .nan',
    'x: 0x7fffffffffffffffffff',
    '<<: *undefined',
    'base: &base { id: x }\nother: { <<: *base }',
    '__proto__: { polluted: true }',
    'constructor: { prototype: { polluted: true } }',
    'x: !!js/function "function() {}"',
    'x: !!binary AAAA',
    'x: !custom 1',
    '%YAML 9.9\n---\n',
    '---\n...\n---\n',
    '? [a, b]\n: c',
    '"\\u0000": nul',
    'name: "\\0\\a\\e"',
    '\t- tab',
  ),
  hostileText,
);
const splicedPlant = fc
  .tuple(fc.nat({ max: PLANT_YAML.length }), hostileSnippet)
  .map(([at, snippet]) => `${PLANT_YAML.slice(0, at)}${snippet}${PLANT_YAML.slice(at)}`);
const plantText = fc.oneof(
  mutatedPlant,
  splicedPlant,
  hostileSnippet,
  fc.jsonValue({ maxDepth: 4 }).map((value) => stringify(value)),
);

/** Every text a parsed plant file hands on: hierarchy, assets, signals, rule names and stop reasons. */
function textsOf(config: PlantConfig): [string, string][] {
  const texts: [string, string][] = [];
  for (const node of config.model.nodes)
    texts.push([`node ${node.id} id`, node.id], [`node ${node.id} name`, node.name]);
  for (const asset of config.model.assets) {
    texts.push([`asset ${asset.id} type`, asset.type], [`asset ${asset.id} description`, asset.description]);
    for (const signal of asset.signals) {
      texts.push(
        [`signal ${signal.name} unit`, signal.unit],
        [`signal ${signal.name} description`, signal.description],
      );
    }
  }
  for (const rule of config.mappings.rules) {
    texts.push([`rule ${rule.index} name`, rule.name]);
    for (const [code, target] of [...rule.states, ['unknown', rule.unknownState] as const]) {
      texts.push([`rule ${rule.index} state ${code}`, code]);
      if (target.reason !== undefined) {
        texts.push(
          [`rule ${rule.index} reason code`, target.reason.code],
          [`rule ${rule.index} reason text`, target.reason.text],
        );
      }
    }
  }
  return texts;
}

function acceptedProblems(config: PlantConfig): string[] {
  const problems = textsOf(config).flatMap(([where, text]) => {
    const problem = textProblem(text);
    return problem === undefined ? [] : [`${where} ${problem}`];
  });
  for (const asset of config.model.assets) {
    for (const [key, value] of Object.entries(asset.defaults)) {
      if (typeof value === 'number' && !Number.isFinite(value))
        problems.push(`asset ${asset.id} ${key} is ${value}`);
    }
  }
  for (const rule of config.mappings.rules) {
    if (!Number.isFinite(rule.scale) || !Number.isFinite(rule.offset))
      problems.push(`rule ${rule.index} scale/offset`);
  }
  return problems;
}

describe('plant file fuzzing', () => {
  it(`plant file (YAML): ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(plantText, (text) => {
        const started = process.cpuUsage();
        let config: PlantConfig | undefined;
        try {
          config = parsePlantConfig(text, 'plant.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          for (const issue of (error as ConfigError).issues) {
            expect(issue.path !== '' || issue.source.kind === 'file').toBe(true);
          }
        }
        if (config !== undefined) expect(acceptedProblems(config)).toEqual([]);
        const elapsedMs = cpuMs(process.cpuUsage(started));
        if (elapsedMs > TIME_BOUND_MS) throw new Error(`parsing took ${elapsedMs.toFixed(0)} ms`);
      }),
      { numRuns: RUNS },
    );
  });
});
