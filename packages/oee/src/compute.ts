// The entry points: OEE of one asset over a range, and roll-ups over ranges or assets.
import { measureOee, type OeeMeasureInput } from './measure';
import { resolveOeeSettings, sameSettings, type OeeSettings, type OeeSettingsInput } from './settings';
import { summarize, type OeeSummary } from './summary';
import { sumTotals, type OeeTotals } from './totals';
import type { TimeRange } from './types';

export interface OeeInput extends OeeMeasureInput {
  readonly settings: OeeSettingsInput;
}

export interface OeeComputation extends OeeSummary {
  readonly range: TimeRange;
  /** The resolved settings that produced this result. */
  readonly settings: OeeSettings;
  /** The additive quantities every figure above derives from; roll-ups sum these. */
  readonly totals: OeeTotals;
}

/**
 * How a roll-up weighs its parts: by ideal time. OEE = sum(good x ideal cycle time) / sum(PBT) and quality =
 * sum(good x ideal cycle time) / sum(total x ideal cycle time), each part with its own ideal cycle time.
 */
export type OeeRollUpBasis = 'ideal-time';

export interface OeeRollUp extends OeeSummary {
  readonly rollUpBasis: OeeRollUpBasis;
  /** From the earliest start to the latest end of the parts. */
  readonly range: TimeRange;
  /** The distinct settings of the parts (more than one: the parts were measured differently). */
  readonly settingsUsed: readonly OeeSettings[];
  readonly totals: OeeTotals;
  readonly partCount: number;
}

export type OeeRollUpPart = OeeComputation | OeeRollUp;

/** OEE of one asset over `input.range` (pure: every time comes from the input). */
export function computeOee(input: OeeInput): OeeComputation {
  const settings = resolveOeeSettings(input.settings);
  const totals = measureOee(input, settings);
  return { ...summarize(totals), range: input.range, settings, totals };
}

/**
 * Sums the times, counts and ideal times of its parts (adjacent ranges of one asset, or the assets of a cell,
 * line, area or site) and derives the KPIs from the sums: percentages are never averaged (docs/architecture.md section 6).
 * Parts of different ideal cycle times are weighed by ideal time (OeeRollUpBasis), so that the OEE of a line is
 * its machines' good output time over their planned busy time whatever the product mix, and a roll-up of
 * roll-ups equals the roll-up of their parts.
 */
export function rollUp(parts: readonly OeeRollUpPart[]): OeeRollUp {
  const settingsUsed: OeeSettings[] = [];
  for (const part of parts) {
    for (const settings of 'settingsUsed' in part ? part.settingsUsed : [part.settings]) {
      if (!settingsUsed.some((seen) => sameSettings(seen, settings))) settingsUsed.push(settings);
    }
  }
  const totals = sumTotals(parts.map((part) => part.totals));
  const range: TimeRange =
    parts.length === 0
      ? { fromUs: 0, toUs: 0 }
      : {
          fromUs: Math.min(...parts.map((part) => part.range.fromUs)),
          toUs: Math.max(...parts.map((part) => part.range.toUs)),
        };
  return {
    ...summarize(totals),
    rollUpBasis: 'ideal-time',
    range,
    settingsUsed,
    totals,
    partCount: parts.length,
  };
}

/** The first `levels` segments of an ISA-95 asset path, e.g. 4 gives the line of `acme/plant-1/pressing/line-2/press-04`. */
export function assetPathPrefix(assetId: string, levels: number): string {
  return assetId.split('/').slice(0, levels).join('/');
}

/** Rolls assets up to the level given by the first `levels` path segments of their ids. */
export function rollUpByPathPrefix(
  results: readonly { readonly assetId: string; readonly result: OeeRollUpPart }[],
  levels: number,
): Map<string, OeeRollUp> {
  const groups = new Map<string, OeeRollUpPart[]>();
  for (const { assetId, result } of results) {
    const key = assetPathPrefix(assetId, levels);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [result]);
    else group.push(result);
  }
  return new Map([...groups].map(([key, group]) => [key, rollUp(group)]));
}
