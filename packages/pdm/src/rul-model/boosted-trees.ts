import { seededRandom, shuffled, type RandomSource } from './random';

/**
 * Gradient-boosted regression trees on squared loss, histogram-based (features binned at training-set
 * quantiles, as in LightGBM). Written here rather than taken from ml-random-forest because the latter grows
 * exact-split trees over sorted copies and is minutes slower on 20k rows x 100+ features, and its JSON form is
 * tied to its classes; these trees are plain arrays.
 */
export interface BoostingOptions {
  treeCount: number;
  maxDepth: number;
  learningRate: number;
  /** A split must leave at least this many training rows on each side. */
  minRowsPerLeaf: number;
  /** Fraction of rows drawn (without replacement) for each tree. */
  rowSampleRate: number;
  /** Fraction of features considered by each tree. */
  featureSampleRate: number;
  /** L2 penalty on leaf values (shrinks leaves with few rows). */
  l2Penalty: number;
  /** At most this many bins per feature (<= 256). */
  maxBins: number;
  seed: number;
}

export const DEFAULT_BOOSTING: BoostingOptions = {
  treeCount: 400,
  maxDepth: 4,
  learningRate: 0.05,
  minRowsPerLeaf: 20,
  rowSampleRate: 0.7,
  featureSampleRate: 0.5,
  l2Penalty: 1,
  maxBins: 64,
  seed: 1,
};

/** One tree as parallel arrays; node 0 is the root, `feature[i] < 0` marks a leaf with `value[i]`. */
export interface RegressionTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface BoostedTrees {
  base: number;
  learningRate: number;
  featureCount: number;
  trees: RegressionTree[];
}

function quantileThresholds(values: Float64Array, maxBins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const thresholds: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const candidate = sorted[Math.floor((q * sorted.length) / maxBins)] ?? NaN;
    const previous = thresholds[thresholds.length - 1];
    const max = sorted[sorted.length - 1] ?? NaN;
    if (candidate < max && (previous === undefined || candidate > previous)) thresholds.push(candidate);
  }
  return thresholds;
}

function binIndex(thresholds: readonly number[], value: number): number {
  let low = 0;
  let high = thresholds.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((thresholds[mid] ?? Infinity) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

interface TrainingState {
  /** Row-major bin indices: row r, feature f at `r * featureCount + f`. */
  bins: Uint8Array;
  featureCount: number;
  thresholds: number[][];
  residual: Float64Array;
  options: BoostingOptions;
}

/** Per node: residual sums and row counts by (sampled feature k, bin b) at `k * 256 + b`. */
interface Histogram {
  sums: Float64Array;
  counts: Uint32Array;
}

const BIN_SLOTS = 256;

interface Split {
  feature: number;
  bin: number;
  gain: number;
}

function nodeHistogram(
  state: TrainingState,
  rows: Uint32Array,
  start: number,
  end: number,
  features: Int32Array,
): Histogram {
  const { bins, residual, featureCount } = state;
  const sums = new Float64Array(features.length * BIN_SLOTS);
  const counts = new Uint32Array(features.length * BIN_SLOTS);
  for (let i = start; i < end; i++) {
    const row = rows[i] ?? 0;
    const g = residual[row] ?? 0;
    const base = row * featureCount;
    for (let k = 0; k < features.length; k++) {
      const slot = k * BIN_SLOTS + (bins[base + (features[k] ?? 0)] ?? 0);
      sums[slot] = (sums[slot] ?? 0) + g;
      counts[slot] = (counts[slot] ?? 0) + 1;
    }
  }
  return { sums, counts };
}

function subtractHistogram(parent: Histogram, child: Histogram): Histogram {
  for (let i = 0; i < parent.sums.length; i++) {
    parent.sums[i] = (parent.sums[i] ?? 0) - (child.sums[i] ?? 0);
    parent.counts[i] = (parent.counts[i] ?? 0) - (child.counts[i] ?? 0);
  }
  return parent;
}

function bestSplit(
  state: TrainingState,
  histogram: Histogram,
  features: Int32Array,
  n: number,
  total: number,
) {
  const { options } = state;
  const parentScore = (total * total) / (n + options.l2Penalty);
  let best: Split | undefined;
  for (let k = 0; k < features.length; k++) {
    const feature = features[k] ?? 0;
    const binCount = (state.thresholds[feature]?.length ?? 0) + 1;
    let leftSum = 0;
    let leftCount = 0;
    for (let b = 0; b < binCount - 1; b++) {
      leftSum += histogram.sums[k * BIN_SLOTS + b] ?? 0;
      leftCount += histogram.counts[k * BIN_SLOTS + b] ?? 0;
      const rightCount = n - leftCount;
      if (leftCount < options.minRowsPerLeaf) continue;
      if (rightCount < options.minRowsPerLeaf) break;
      const rightSum = total - leftSum;
      const gain =
        (leftSum * leftSum) / (leftCount + options.l2Penalty) +
        (rightSum * rightSum) / (rightCount + options.l2Penalty) -
        parentScore;
      if (gain > 1e-9 && (!best || gain > best.gain)) best = { feature, bin: b, gain };
    }
  }
  return best;
}

/** A grown tree and, per node, the bin its split is at (to route training rows by their bins). */
interface GrownTree {
  tree: RegressionTree;
  splitBin: number[];
}

function growTree(state: TrainingState, rows: Uint32Array, features: Int32Array): GrownTree {
  const tree: RegressionTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const splitBin: number[] = [];
  const { options, featureCount, bins } = state;
  const grow = (start: number, end: number, depth: number, given: Histogram | undefined): number => {
    const node = tree.feature.length;
    const n = end - start;
    const total = sumResidual(state.residual, rows, start, end);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    splitBin.push(-1);
    tree.value.push((options.learningRate * total) / (n + options.l2Penalty));
    if (depth >= options.maxDepth || n < 2 * options.minRowsPerLeaf) return node;
    const histogram = given ?? nodeHistogram(state, rows, start, end, features);
    const best = bestSplit(state, histogram, features, n, total);
    if (!best) return node;
    let middle = start;
    for (let i = start; i < end; i++) {
      const row = rows[i] ?? 0;
      if ((bins[row * featureCount + best.feature] ?? 0) <= best.bin) {
        rows[i] = rows[middle] ?? 0;
        rows[middle] = row;
        middle++;
      }
    }
    // LightGBM's trick: build the smaller child's histogram, get the larger one as parent minus smaller.
    const childrenSplit = depth + 1 < options.maxDepth;
    let leftHistogram: Histogram | undefined;
    let rightHistogram: Histogram | undefined;
    if (childrenSplit) {
      if (middle - start <= end - middle) {
        leftHistogram = nodeHistogram(state, rows, start, middle, features);
        rightHistogram = subtractHistogram(histogram, leftHistogram);
      } else {
        rightHistogram = nodeHistogram(state, rows, middle, end, features);
        leftHistogram = subtractHistogram(histogram, rightHistogram);
      }
    }
    tree.feature[node] = best.feature;
    splitBin[node] = best.bin;
    tree.threshold[node] = state.thresholds[best.feature]?.[best.bin] ?? 0;
    tree.left[node] = grow(start, middle, depth + 1, leftHistogram);
    tree.right[node] = grow(middle, end, depth + 1, rightHistogram);
    return node;
  };
  grow(0, rows.length, 0, undefined);
  return { tree, splitBin };
}

function predictBinnedRow(state: TrainingState, grown: GrownTree, row: number): number {
  const { tree, splitBin } = grown;
  const base = row * state.featureCount;
  let node = 0;
  for (;;) {
    const feature = tree.feature[node] ?? -1;
    if (feature < 0) return tree.value[node] ?? 0;
    const goesLeft = (state.bins[base + feature] ?? 0) <= (splitBin[node] ?? 0);
    node = (goesLeft ? tree.left[node] : tree.right[node]) ?? 0;
  }
}

function sumResidual(residual: Float64Array, rows: Uint32Array, start: number, end: number): number {
  let total = 0;
  for (let i = start; i < end; i++) total += residual[rows[i] ?? 0] ?? 0;
  return total;
}

export function predictTree(tree: RegressionTree, x: ArrayLike<number>): number {
  let node = 0;
  for (;;) {
    const feature = tree.feature[node] ?? -1;
    if (feature < 0) return tree.value[node] ?? 0;
    node = ((x[feature] ?? 0) <= (tree.threshold[node] ?? 0) ? tree.left[node] : tree.right[node]) ?? 0;
  }
}

export function predictBoostedTrees(model: BoostedTrees, x: ArrayLike<number>): number {
  let prediction = model.base;
  for (const tree of model.trees) prediction += predictTree(tree, x);
  return prediction;
}

function sampleRows(count: number, rate: number, random: RandomSource): Uint32Array {
  if (rate >= 1) return Uint32Array.from({ length: count }, (_, i) => i);
  const picked: number[] = [];
  for (let i = 0; i < count; i++) if (random() < rate) picked.push(i);
  return Uint32Array.from(picked);
}

export function trainBoostedTrees(
  rows: readonly ArrayLike<number>[],
  targets: readonly number[],
  options: BoostingOptions,
): BoostedTrees {
  const first = rows[0];
  if (!first || rows.length !== targets.length) {
    throw new RangeError(
      `need equal, non-zero numbers of rows and targets, got ${rows.length} and ${targets.length}`,
    );
  }
  if (options.maxBins < 2 || options.maxBins > 256) {
    throw new RangeError(`maxBins must be in [2, 256], got ${options.maxBins}`);
  }
  const featureCount = first.length;
  const n = rows.length;
  const thresholds: number[][] = [];
  const bins = new Uint8Array(n * featureCount);
  const column = new Float64Array(n);
  for (let f = 0; f < featureCount; f++) {
    for (let i = 0; i < n; i++) column[i] = rows[i]?.[f] ?? 0;
    const featureThresholds = quantileThresholds(column, options.maxBins);
    thresholds.push(featureThresholds);
    for (let i = 0; i < n; i++) bins[i * featureCount + f] = binIndex(featureThresholds, column[i] ?? 0);
  }
  const base = targets.reduce((sum, y) => sum + y, 0) / n;
  const prediction = new Float64Array(n).fill(base);
  const residual = new Float64Array(n);
  const state: TrainingState = { bins, featureCount, thresholds, residual, options };
  const random = seededRandom(options.seed);
  const allFeatures = Array.from({ length: featureCount }, (_, f) => f);
  const featuresPerTree = Math.max(1, Math.round(featureCount * options.featureSampleRate));
  const trees: RegressionTree[] = [];
  for (let t = 0; t < options.treeCount; t++) {
    for (let i = 0; i < n; i++) residual[i] = (targets[i] ?? 0) - (prediction[i] ?? 0);
    const features = Int32Array.from(shuffled(allFeatures, random).slice(0, featuresPerTree));
    const grown = growTree(state, sampleRows(n, options.rowSampleRate, random), features);
    trees.push(grown.tree);
    for (let i = 0; i < n; i++) prediction[i] = (prediction[i] ?? 0) + predictBinnedRow(state, grown, i);
  }
  return { base, learningRate: options.learningRate, featureCount, trees };
}
