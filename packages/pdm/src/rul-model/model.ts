import {
  DEFAULT_BOOSTING,
  predictBoostedTrees,
  trainBoostedTrees,
  type BoostedTrees,
  type BoostingOptions,
} from './boosted-trees';
import { cappedRulTargets, groupByUnit, type EngineCycle } from './cmapss';
import {
  DEFAULT_FEATURE_WINDOWS,
  featureMatrix,
  fitFeatureSpec,
  type FeatureSpec,
  type FeatureWindowOptions,
} from './features';

export interface RulTrainingOptions {
  /** Training targets are min(cycles to failure, rulCap); predictions stay in [0, rulCap]. */
  rulCap: number;
  features: FeatureWindowOptions;
  boosting: BoostingOptions;
}

export interface RulTrainingOptionsInput {
  rulCap?: number;
  features?: Partial<FeatureWindowOptions>;
  boosting?: Partial<BoostingOptions>;
}

export const DEFAULT_RUL_CAP = 125;

export function resolveRulTrainingOptions(input: RulTrainingOptionsInput = {}): RulTrainingOptions {
  return {
    rulCap: input.rulCap ?? DEFAULT_RUL_CAP,
    features: { ...DEFAULT_FEATURE_WINDOWS, ...input.features },
    boosting: { ...DEFAULT_BOOSTING, ...input.boosting },
  };
}

/** A trained remaining-useful-life model: plain data, JSON-serializable. */
export interface RulModel {
  format: typeof RUL_MODEL_FORMAT;
  version: typeof RUL_MODEL_VERSION;
  rulCap: number;
  features: FeatureSpec;
  trees: BoostedTrees;
}

const RUL_MODEL_FORMAT = 'kiln.pdm.rul-model';
const RUL_MODEL_VERSION = 1;

/**
 * Trains on run-to-failure histories: every unit in `records` is assumed to end at failure, so a cycle's
 * target is the unit's last cycle minus that cycle, capped at `rulCap`.
 */
export function trainRulModel(
  records: readonly EngineCycle[],
  options: RulTrainingOptionsInput = {},
): RulModel {
  const resolved = resolveRulTrainingOptions(options);
  const features = fitFeatureSpec(records, resolved.features);
  const rows: Float64Array[] = [];
  const targets: number[] = [];
  for (const history of groupByUnit(records).values()) {
    rows.push(...featureMatrix(history, features));
    targets.push(...cappedRulTargets(history, resolved.rulCap));
  }
  const trees = trainBoostedTrees(rows, targets, resolved.boosting);
  return { format: RUL_MODEL_FORMAT, version: RUL_MODEL_VERSION, rulCap: resolved.rulCap, features, trees };
}

function clampRul(model: RulModel, value: number): number {
  return Math.min(Math.max(value, 0), model.rulCap);
}

/**
 * Remaining useful life, in cycles, after the last cycle of one unit's history: its cycles in order, from the
 * unit's first cycle in service, because the drift features compare recent readings with the unit's first
 * `baselineCycles` cycles (a history starting mid-life would understate wear).
 */
export function predictRul(model: RulModel, unitHistory: readonly EngineCycle[]): number {
  if (unitHistory.length === 0) throw new RangeError('cannot predict the RUL of an empty history');
  const rows = featureMatrix(unitHistory, model.features);
  const last = rows[rows.length - 1] ?? new Float64Array(model.trees.featureCount);
  return clampRul(model, predictBoostedTrees(model.trees, last));
}

/** RUL after every cycle of one unit's history (the curve a dashboard would plot). */
export function predictRulCurve(model: RulModel, unitHistory: readonly EngineCycle[]): number[] {
  return featureMatrix(unitHistory, model.features).map((row) =>
    clampRul(model, predictBoostedTrees(model.trees, row)),
  );
}

export function serializeRulModel(model: RulModel): string {
  return JSON.stringify(model);
}

export class RulModelFormatError extends Error {
  constructor(message: string) {
    super(`not a ${RUL_MODEL_FORMAT} v${RUL_MODEL_VERSION} document: ${message}`);
    this.name = 'RulModelFormatError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number');
}

function checkTree(tree: unknown, index: number): void {
  if (!isRecord(tree)) throw new RulModelFormatError(`tree ${index} is not an object`);
  const keys = ['feature', 'threshold', 'left', 'right', 'value'] as const;
  const lengths = keys.map((key) => {
    const column = tree[key];
    if (!isNumberArray(column)) throw new RulModelFormatError(`tree ${index}.${key} is not a number array`);
    return column.length;
  });
  if (lengths[0] === 0 || lengths.some((length) => length !== lengths[0])) {
    throw new RulModelFormatError(`tree ${index} has ragged or empty node arrays (${lengths.join(', ')})`);
  }
}

/** Parses and checks a document written by serializeRulModel; throws RulModelFormatError saying what is wrong. */
export function deserializeRulModel(json: string): RulModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new RulModelFormatError(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(parsed)) throw new RulModelFormatError('top level is not an object');
  if (parsed.format !== RUL_MODEL_FORMAT || parsed.version !== RUL_MODEL_VERSION) {
    throw new RulModelFormatError(`format/version is ${String(parsed.format)}/${String(parsed.version)}`);
  }
  if (typeof parsed.rulCap !== 'number' || !(parsed.rulCap > 0)) {
    throw new RulModelFormatError(`rulCap must be a positive number, got ${String(parsed.rulCap)}`);
  }
  const features = parsed.features;
  if (!isRecord(features)) throw new RulModelFormatError('features is not an object');
  for (const key of [
    'sensorIndices',
    'sensorMeans',
    'sensorScales',
    'meanWindows',
    'slopeWindows',
    'ewmaAlphas',
  ]) {
    if (!isNumberArray(features[key])) throw new RulModelFormatError(`features.${key} is not a number array`);
  }
  if (typeof features.baselineCycles !== 'number') {
    throw new RulModelFormatError('features.baselineCycles is not a number');
  }
  const trees = parsed.trees;
  if (!isRecord(trees) || typeof trees.base !== 'number' || typeof trees.featureCount !== 'number') {
    throw new RulModelFormatError('trees must hold numeric base and featureCount');
  }
  if (!Array.isArray(trees.trees)) throw new RulModelFormatError('trees.trees is not an array');
  trees.trees.forEach(checkTree);
  return parsed as unknown as RulModel;
}
