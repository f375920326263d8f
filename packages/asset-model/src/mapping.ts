// Mapping rules: which raw tag (source id + tag) feeds which asset signal, in which role, and how its value is
// scaled, converted and filtered. Format in README.md. Rules are checked at load against the asset model.
import { formatYamlLocation, locateYamlPath, type YamlSource } from '@kiln/config-source';
import { z } from 'zod';
import { plainText } from './plain-text';
import { IssueCollector, parsePlantYaml, requireParsedYaml, type YamlPath } from './config-issues';
import { MACHINE_STATE_NAMES, type StateTarget } from './machine-state';
import { ID_SEGMENT_PATTERN, type AssetModel, type Signal } from './model';
import { compilePattern, compileTemplate, type CompiledPattern, type CompiledTemplate } from './pattern';
import { checkUcumUnit, compileUnitConversion } from './ucum';

export const SIGNAL_ROLES = [
  'measurement',
  'machine-state',
  'total-counter',
  'good-counter',
  'reject-counter',
  'order-number',
] as const;
export type SignalRole = (typeof SIGNAL_ROLES)[number];
export type CounterRole = Extract<SignalRole, `${string}-counter`>;

export function isCounterRole(role: SignalRole): role is CounterRole {
  return role === 'total-counter' || role === 'good-counter' || role === 'reject-counter';
}

export type Deadband =
  | { readonly kind: 'absolute'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

export interface CounterSettings {
  /** The value at which the PLC counter wraps to 0 (65536 for a UINT16, 4294967296 for a UDINT). */
  readonly rollover?: number;
  /** A drop is read as a rollover only when the implied increment is at most this; default rollover / 2. */
  readonly maxJump?: number;
}

export interface MappingRule {
  /** Position in the `mappings` list (0-based); first matching rule wins. */
  readonly index: number;
  /** `name` from the file, else `mappings[<index>]`, for logs and the unmapped list. */
  readonly name: string;
  /** `plant.yaml:40:5`, where the rule starts. */
  readonly location: string;
  readonly role: SignalRole;
  readonly source: CompiledPattern;
  readonly tag: CompiledPattern;
  readonly asset: CompiledTemplate;
  readonly signal?: CompiledTemplate;
  readonly scale: number;
  readonly offset: number;
  /** UCUM unit of the (scaled) raw value, converted into the signal's unit. */
  readonly sourceUnit?: string;
  readonly deadband?: Deadband;
  /** PLC state code (as text: `3`, `true`, `E-STOP`) -> canonical state and reason. */
  readonly states: ReadonlyMap<string, StateTarget>;
  /** For codes not in `states`; its reason defaults to `code <n>`. */
  readonly unknownState: StateTarget;
  readonly counter: CounterSettings;
}

export interface MappingRuleSet {
  readonly fileName: string;
  readonly rules: readonly MappingRule[];
}

const reasonSchema = z.strictObject({ code: plainText.min(1), text: plainText.default('') });
const stateTargetSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { state: value } : value),
  z.strictObject({ state: z.enum(MACHINE_STATE_NAMES), reason: reasonSchema.optional() }),
);

const ruleSchema = z.strictObject({
  name: plainText.optional(),
  source: plainText.min(1).default('**'),
  tag: plainText.min(1),
  asset: plainText.min(1),
  signal: plainText.min(1).optional(),
  role: z.enum(SIGNAL_ROLES).default('measurement'),
  scale: z
    .number()
    .refine((n) => Number.isFinite(n) && n !== 0, 'scale must be a finite number other than 0')
    .default(1),
  offset: z.number().default(0),
  unit: plainText.min(1).optional(),
  deadband: z
    .strictObject({
      absolute: z.number().nonnegative().optional(),
      percent: z.number().nonnegative().optional(),
    })
    .refine(
      (d) => (d.absolute === undefined) !== (d.percent === undefined),
      'give exactly one of absolute, percent',
    )
    .optional(),
  states: z.record(plainText, stateTargetSchema).optional(),
  unknownState: stateTargetSchema.optional(),
  counter: z
    .strictObject({
      rollover: z.number().int().positive().optional(),
      maxJump: z.number().positive().optional(),
    })
    .optional(),
});
type RuleInput = z.output<typeof ruleSchema>;

/**
 * Parses the `mappings` list of a YAML text (the plant file or a separate mapping file) and checks every rule
 * against the model. Throws `ConfigError` (@kiln/config-source) with `file:line:col key: message` for every problem.
 */
export function parseMappingRules(text: string, fileName: string, model: AssetModel): MappingRuleSet {
  return parseMappingRulesSource(parsePlantYaml(text, fileName), model);
}

export function parseMappingRulesSource(source: YamlSource, model: AssetModel): MappingRuleSet {
  const input = requireParsedYaml(source);
  const issues = new IssueCollector(source);
  const list =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['mappings'] : undefined;
  const parsed = z.array(ruleSchema).safeParse(list ?? []);
  if (!parsed.success) {
    issues.addZodIssues(parsed.error.issues, list, ['mappings']);
    throw issues.toError();
  }
  const rules = parsed.data.map((rule, index) => compileRule(rule, index, model, source, issues));
  issues.throwIfAny();
  return { fileName: source.fileName, rules: rules.filter((rule) => rule !== undefined) };
}

function compileRule(
  input: RuleInput,
  index: number,
  model: AssetModel,
  yaml: YamlSource,
  issues: IssueCollector,
): MappingRule | undefined {
  const path: YamlPath = ['mappings', index];
  const before = issues.size;
  const report = (key: string, message: string): void => issues.add({ path: [...path, key], message });

  const sourcePattern = compileOrReport(input.source, (message) => report('source', message));
  const tagPattern = compileOrReport(input.tag, (message) => report('tag', message));
  const captures = [...(sourcePattern?.captureNames ?? []), ...(tagPattern?.captureNames ?? [])];
  const repeated = captures.find((name, i) => captures.indexOf(name) !== i);
  if (repeated !== undefined) report('tag', `capture {${repeated}} is already captured by 'source'`);

  const asset = compileTemplate(input.asset);
  const signal = input.signal === undefined ? undefined : compileTemplate(input.signal);
  checkPlaceholders(asset, captures, (message) => report('asset', message));
  if (signal !== undefined) checkPlaceholders(signal, captures, (message) => report('signal', message));

  checkRoleKeys(input, report);
  const staticSignal = checkStaticTarget(input, asset, signal, model, report);
  checkUnit(input, staticSignal ?? likelySignal(input, asset, signal, model), report);

  if (issues.size > before || sourcePattern === undefined || tagPattern === undefined) return undefined;
  const location = locateRule(yaml, path);
  return {
    index,
    name: input.name ?? `mappings[${index}]`,
    location,
    role: input.role,
    source: sourcePattern,
    tag: tagPattern,
    asset,
    ...(signal === undefined ? {} : { signal }),
    scale: input.scale,
    offset: input.offset,
    ...(input.unit === undefined ? {} : { sourceUnit: input.unit }),
    ...(input.deadband === undefined ? {} : { deadband: toDeadband(input.deadband) }),
    states: new Map(
      Object.entries(input.states ?? {}).map(([code, target]) => [code.trim(), toTarget(target)]),
    ),
    unknownState: toTarget(input.unknownState ?? { state: 'UNKNOWN_STOP' }),
    counter: { ...input.counter },
  };
}

function compileOrReport(text: string, report: (message: string) => void): CompiledPattern | undefined {
  const result = compilePattern(text);
  if (result.ok) return result.pattern;
  report(result.message);
  return undefined;
}

function checkPlaceholders(
  template: CompiledTemplate,
  captures: readonly string[],
  report: (message: string) => void,
): void {
  for (const name of template.placeholders) {
    if (!captures.includes(name)) {
      const known = captures.length === 0 ? 'none' : captures.map((c) => `{${c}}`).join(', ');
      report(`{${name}} is not captured by 'source' or 'tag' (captures: ${known})`);
    }
  }
}

/** Keys that only make sense for some roles fail loudly elsewhere, so a misplaced key is not silently ignored. */
function checkRoleKeys(input: RuleInput, report: (key: string, message: string) => void): void {
  const role = input.role;
  if ((role === 'measurement' || role === 'order-number') && input.signal === undefined) {
    report('signal', `required for role ${role}`);
  }
  if (role === 'machine-state' && (input.states === undefined || Object.keys(input.states).length === 0)) {
    report('states', 'required for role machine-state: map each PLC state code to a state');
  }
  const only = (
    key: 'states' | 'unknownState' | 'counter' | 'deadband' | 'unit',
    allowed: boolean,
    what: string,
  ) => {
    if (input[key] !== undefined && !allowed)
      report(key, `only allowed for ${what} (this rule's role is ${role})`);
  };
  only('states', role === 'machine-state', 'role machine-state');
  only('unknownState', role === 'machine-state', 'role machine-state');
  only('counter', role.endsWith('-counter'), 'counter roles');
  only('deadband', role === 'measurement', 'role measurement');
  only('unit', role === 'measurement', 'role measurement');
  const counter = input.counter;
  if (
    counter?.maxJump !== undefined &&
    counter.rollover !== undefined &&
    counter.maxJump > counter.rollover
  ) {
    report('counter', `maxJump ${counter.maxJump} exceeds rollover ${counter.rollover}`);
  }
}

/** A rule without captures in its templates names a fixed asset and signal: both must exist now. */
function checkStaticTarget(
  input: RuleInput,
  asset: CompiledTemplate,
  signal: CompiledTemplate | undefined,
  model: AssetModel,
  report: (key: string, message: string) => void,
): Signal | undefined {
  if (asset.placeholders.length > 0) return undefined;
  if (!asset.text.split('/').every((segment) => ID_SEGMENT_PATTERN.test(segment))) {
    report('asset', `'${asset.text}' is not an asset id (lower case, '/'-separated path)`);
    return undefined;
  }
  const found = model.assetsById.get(asset.text);
  if (found === undefined) {
    report('asset', `unknown asset '${asset.text}' (not in the asset model)`);
    return undefined;
  }
  if (signal === undefined || signal.placeholders.length > 0) return undefined;
  const target = found.signalsByName.get(signal.text);
  if (target === undefined) {
    const names = found.signals.map((s) => s.name).join(', ') || 'none';
    report('signal', `asset '${found.id}' has no signal '${signal.text}' (signals: ${names})`);
    return undefined;
  }
  const problem = signalRoleProblem(input.role, target);
  if (problem !== undefined) report('signal', problem);
  return target;
}

/**
 * For an asset template with captures and a fixed signal name, a signal of that name in the model to check the
 * unit against (the first one in the model), so that a unit that fits none of them fails at load.
 */
function likelySignal(
  input: RuleInput,
  asset: CompiledTemplate,
  signal: CompiledTemplate | undefined,
  model: AssetModel,
): Signal | undefined {
  if (input.unit === undefined || asset.placeholders.length === 0 || signal === undefined) return undefined;
  if (signal.placeholders.length > 0) return undefined;
  const candidates = model.assets.flatMap((a) =>
    a.signals.filter((s) => s.name === signal.text && s.unit !== ''),
  );
  const fits = candidates.some((s) => compileUnitConversion(input.unit ?? '', s.unit).ok);
  return fits ? undefined : candidates[0];
}

/** Why a signal cannot carry a role's values, or undefined when it can. */
export function signalRoleProblem(role: SignalRole, signal: Signal): string | undefined {
  const numeric = signal.type === 'number' || signal.type === 'integer';
  if (isCounterRole(role) && !numeric) {
    return `signal '${signal.name}' is of type ${signal.type}; a ${role} needs a number or integer signal`;
  }
  if (role === 'order-number' && signal.type !== 'string') {
    return `signal '${signal.name}' is of type ${signal.type}; an order-number needs a string signal`;
  }
  return undefined;
}

function checkUnit(
  input: RuleInput,
  signal: Signal | undefined,
  report: (key: string, message: string) => void,
): void {
  if (input.unit === undefined) return;
  const check = checkUcumUnit(input.unit);
  if (!check.valid) {
    report('unit', check.message);
    return;
  }
  if (signal === undefined) return;
  if (signal.unit === '') {
    report('unit', `signal '${signal.name}' has no unit to convert '${input.unit}' into`);
    return;
  }
  const conversion = compileUnitConversion(input.unit, signal.unit);
  if (!conversion.ok) report('unit', `${conversion.message} (unit of signal '${signal.name}')`);
}

function toDeadband(input: { absolute?: number | undefined; percent?: number | undefined }): Deadband {
  return input.absolute !== undefined
    ? { kind: 'absolute', value: input.absolute }
    : { kind: 'percent', value: input.percent ?? 0 };
}

function toTarget(input: z.output<typeof stateTargetSchema>): StateTarget {
  return input.reason === undefined
    ? { state: input.state }
    : { state: input.state, reason: { ...input.reason } };
}

function locateRule(yaml: YamlSource, path: YamlPath): string {
  const location = locateYamlPath(yaml.doc, yaml.lineCounter, path);
  return location === undefined ? yaml.fileName : formatYamlLocation(yaml.fileName, location);
}
