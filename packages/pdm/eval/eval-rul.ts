// Offline evaluation of the remaining-useful-life model on NASA C-MAPSS FD001 (`npm run eval:rul`):
// cross-validates on the training units, trains on all of them, and writes the test units' predicted RUL.
// Usage: node packages/pdm/dist-eval/eval-rul.js [--data <dir>] [--out <file>]
// The dataset folder defaults to ../shared/datasets/cmapss from the repo root, or env KILN_CMAPSS_DIR.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  DEFAULT_CROSS_VALIDATION,
  crossValidateRul,
  featureNames,
  groupByUnit,
  parseCmapss,
  predictRul,
  resolveRulTrainingOptions,
  trainRulModel,
} from '@kiln/pdm';

const REPO_ROOT = resolve(__dirname, '../../..');

interface EvalPaths {
  dataDir: string;
  outFile: string;
}

function resolvePaths(argv: string[], environment: NodeJS.ProcessEnv): EvalPaths {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const dataDir = values.data ?? environment.KILN_CMAPSS_DIR ?? join(REPO_ROOT, '../shared/datasets/cmapss');
  const outFile = values.out ?? join(REPO_ROOT, '.eval/rul-FD001-test-predictions.txt');
  return { dataDir: resolve(dataDir), outFile: resolve(outFile) };
}

function readDataset(dataDir: string, fileName: string): string {
  const path = join(dataDir, fileName);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read ${path} (${reason}); point --data or KILN_CMAPSS_DIR at the C-MAPSS folder`);
  }
}

/** Issue 8's target for FD001 with RUL capped at 125 (a constant-mean predictor scores about 40-45). */
const TARGET_RMSE = 16;

const seconds = (fromMs: number): string => `${((performance.now() - fromMs) / 1000).toFixed(1)} s`;
const fixed = (value: number, digits = 2): string => value.toFixed(digits);

function main(): void {
  // This command is its own composition root: it alone reads the environment.
  const { dataDir, outFile } = resolvePaths(process.argv.slice(2), process.env);
  const training = parseCmapss(readDataset(dataDir, 'train_FD001.txt'));
  const test = parseCmapss(readDataset(dataDir, 'test_FD001.txt'));
  const options = resolveRulTrainingOptions();
  const { boosting, features } = options;
  console.log(`C-MAPSS FD001 from ${dataDir}: ${training.length} training rows, ${test.length} test rows`);
  console.log(
    `Model: gradient-boosted trees (${boosting.treeCount} trees, depth ${boosting.maxDepth}, learning rate ` +
      `${boosting.learningRate}, seed ${boosting.seed}) on trailing-window features (means ${features.meanWindows}, ` +
      `slopes ${features.slopeWindows}, EWMA ${features.ewmaAlphas}, drift from the first ` +
      `${features.baselineCycles} cycles), target RUL capped at ${options.rulCap}`,
  );

  const cvSettings = DEFAULT_CROSS_VALIDATION;
  console.log(
    `Cross-validation: ${cvSettings.foldCount} folds of whole units (seed ${cvSettings.seed}), each held-out unit ` +
      `cut at ${cvSettings.cutsPerUnit} random cycles (>= ${cvSettings.minCutCycles}), RUL predicted at the cut`,
  );
  const cvStart = performance.now();
  const cv = crossValidateRul(training, cvSettings, (fold) =>
    console.log(
      `  fold ${fold.fold + 1}: ${fold.heldOutUnits.length} held-out units, truncated-point RMSE ` +
        `${fixed(fold.truncatedRmse)} (constant baseline ${fixed(fold.baselineRmse)})`,
    ),
  );
  console.log(`Cross-validated over ${cv.points.length} truncation points in ${seconds(cvStart)}:`);
  const scoreLine = (label: string, score: typeof cv.model): string =>
    `  ${label.padEnd(18)} RMSE ${fixed(score.rmse)}  PHM08 ${fixed(score.phm08, 1)} ` +
    `(${fixed(score.phm08PerPoint)} per point)`;
  console.log(scoreLine('model', cv.model));
  console.log(scoreLine('constant baseline', cv.constantBaseline));
  console.log(`  model RMSE over every cycle of the held-out units: ${fixed(cv.allRowsRmse)}`);
  const passed = cv.model.rmse <= TARGET_RMSE;
  console.log(
    `${passed ? 'PASS' : 'FAIL'} cross-validated RMSE <= ${TARGET_RMSE} cycles (${fixed(cv.model.rmse)})`,
  );
  if (!passed) process.exitCode = 1;

  const trainStart = performance.now();
  const model = trainRulModel(training, options);
  console.log(
    `Trained on all ${groupByUnit(training).size} training units (${featureNames(model.features).length} ` +
      `features) in ${seconds(trainStart)}`,
  );

  const predictions = [...groupByUnit(test).values()].map((history) => predictRul(model, history));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, predictions.map((rul) => fixed(rul)).join('\n') + '\n');
  console.log(
    `Wrote the predicted RUL of ${predictions.length} test units (last cycle, unit order) to ${outFile}`,
  );
}

try {
  main();
} catch (error) {
  console.error(`eval-rul: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
