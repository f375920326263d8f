// Resolves raw tags to asset signals. Rules are tried in document order (first match wins) once per tag; the
// answer is cached, so a steady stream of thousands of tags costs one Map lookup per sample.
import { signalRoleProblem, type MappingRule, type MappingRuleSet } from './mapping';
import type { AssetModel, Signal } from './model';
import { compileUnitConversion, type UnitConversion } from './ucum';

export interface ResolvedMapping {
  readonly kind: 'mapped';
  readonly rule: MappingRule;
  readonly assetId: string;
  /** Undefined for machine-state and counter rules that name no signal (they emit no telemetry). */
  readonly signal?: Signal;
  /** Per-signal state key: `<asset id>#<signal name>`, or `<asset id>#<role>` for a rule without signal. */
  readonly channel: string;
  /** Scale, offset and unit conversion of a numeric raw value, composed once. */
  readonly toSignalValue: (raw: number) => number;
}

export type UnmappedReason = 'no-rule' | 'unknown-asset' | 'unknown-signal' | 'incompatible-signal';

export interface UnresolvedTag {
  readonly kind: 'unmapped';
  readonly reason: UnmappedReason;
  /** What to fix, e.g. `rule line-2-temperatures (plant.yaml:41:5) gives unknown asset 'acme/...'`. */
  readonly detail: string;
}

export type TagResolution = ResolvedMapping | UnresolvedTag;

export interface MappingMatcherOptions {
  /** Entries kept in the tag cache; when full it is cleared (tags are stable, so it refills quickly). */
  readonly cacheSize?: number;
}

const NO_RULE: UnresolvedTag = { kind: 'unmapped', reason: 'no-rule', detail: 'no mapping rule matches' };

export class MappingMatcher {
  private readonly cache = new Map<string, Map<string, TagResolution>>();
  /** Entries in `cache`, all sources together. */
  private cached = 0;
  private readonly conversions = new Map<string, ReturnType<typeof compileUnitConversion>>();
  private readonly cacheSize: number;

  constructor(
    private readonly model: AssetModel,
    private readonly mappings: MappingRuleSet,
    options: MappingMatcherOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 100_000;
  }

  resolve(sourceId: string, tag: string): TagResolution {
    // Keyed by source, then tag: a look-up builds no `source + tag` text per sample.
    const bySource = this.cache.get(sourceId);
    const cached = bySource?.get(tag);
    if (cached !== undefined) return cached;
    const resolution = this.resolveUncached(sourceId, tag);
    if (this.cached >= this.cacheSize) {
      this.cache.clear();
      this.cached = 0;
    }
    let tags = this.cache.get(sourceId);
    if (tags === undefined) this.cache.set(sourceId, (tags = new Map()));
    tags.set(tag, resolution);
    this.cached += 1;
    return resolution;
  }

  private resolveUncached(sourceId: string, tag: string): TagResolution {
    for (const rule of this.mappings.rules) {
      const sourceCaptures = rule.source.match(sourceId);
      if (sourceCaptures === undefined) continue;
      const tagCaptures = rule.tag.match(tag);
      if (tagCaptures === undefined) continue;
      return this.target(rule, { ...sourceCaptures, ...tagCaptures });
    }
    return NO_RULE;
  }

  private target(rule: MappingRule, captures: Readonly<Record<string, string>>): TagResolution {
    const ruleText = `rule ${rule.name} (${rule.location})`;
    const assetId = rule.asset.render(captures);
    const asset = this.model.assetsById.get(assetId);
    if (asset === undefined) {
      return {
        kind: 'unmapped',
        reason: 'unknown-asset',
        detail: `${ruleText} gives unknown asset '${assetId}'`,
      };
    }
    const signalName = rule.signal?.render(captures);
    const signal = signalName === undefined ? undefined : asset.signalsByName.get(signalName);
    if (signalName !== undefined && signal === undefined) {
      return {
        kind: 'unmapped',
        reason: 'unknown-signal',
        detail: `${ruleText} gives signal '${signalName}', which asset '${assetId}' does not have`,
      };
    }
    const problem = signal === undefined ? undefined : signalRoleProblem(rule.role, signal);
    const conversion = signal === undefined ? undefined : this.conversion(rule, signal);
    if (problem !== undefined || (conversion !== undefined && !conversion.ok)) {
      const why = problem ?? (conversion !== undefined && !conversion.ok ? conversion.message : '');
      return {
        kind: 'unmapped',
        reason: 'incompatible-signal',
        detail: `${ruleText} on asset '${assetId}': ${why}`,
      };
    }
    const convert = conversion?.ok === true ? conversion.conversion : undefined;
    return {
      kind: 'mapped',
      rule,
      assetId,
      ...(signal === undefined ? {} : { signal }),
      channel: `${assetId}#${signal?.name ?? rule.role}`,
      toSignalValue: composeValueTransform(rule.scale, rule.offset, convert),
    };
  }

  /** Undefined when no conversion is asked for; a failed result when the units are incompatible. */
  private conversion(
    rule: MappingRule,
    signal: Signal,
  ): ReturnType<typeof compileUnitConversion> | undefined {
    if (rule.sourceUnit === undefined || rule.sourceUnit === signal.unit) return undefined;
    if (signal.unit === '') {
      return {
        ok: false,
        message: `signal '${signal.name}' has no unit to convert '${rule.sourceUnit}' into`,
      };
    }
    const key = `${rule.sourceUnit}\u0000${signal.unit}`;
    let result = this.conversions.get(key);
    if (result === undefined) {
      result = compileUnitConversion(rule.sourceUnit, signal.unit);
      this.conversions.set(key, result);
    }
    return result;
  }
}

/** raw -> raw * scale + offset (in the rule's source unit) -> the signal's unit. */
function composeValueTransform(
  scale: number,
  offset: number,
  conversion: UnitConversion | undefined,
): (raw: number) => number {
  const linear = scale === 1 && offset === 0 ? (raw: number) => raw : (raw: number) => raw * scale + offset;
  if (conversion === undefined) return linear;
  return (raw: number) => conversion.convert(linear(raw));
}
