#!/usr/bin/env node
// `npm run fuzz`: every fuzz suite of the repository (`*.fuzz.test.ts` in a workspace's test/ folder) with
// KILN_FUZZ_RUNS generated inputs per property (100,000 unless set), through that workspace's jest, two suites at
// a time. Prints one table (parser, generated inputs, crashes, time) and exits non-zero when any property failed:
// a crash, a hang past its time bound, a refusal that names no field or an accepted input that breaks an invariant.
//
//   node scripts/fuzz.mjs                 all suites
//   node scripts/fuzz.mjs sparkplug erp   only suites whose path contains one of the words
//   KILN_FUZZ_RUNS=5000 node scripts/fuzz.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.KILN_FUZZ_RUNS ?? 100_000);
if (!Number.isSafeInteger(runs) || runs <= 0) {
  console.error(`KILN_FUZZ_RUNS must be a positive integer, got '${process.env.KILN_FUZZ_RUNS}'`);
  process.exit(2);
}
const parallel = Math.max(1, Number(process.env.KILN_FUZZ_PARALLEL ?? 2));
const filters = process.argv.slice(2);
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

/** Workspaces as the root package.json lists them (globs of one trailing `*` only, as ours are). */
function workspaces() {
  const { workspaces: patterns } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent).map((name) => join(parent, name));
  });
}

function fuzzSuitesUnder(directory) {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : fuzzSuitesUnder(path);
    return entry.name.endsWith('.fuzz.test.ts') ? [path] : [];
  });
}

const suites = workspaces()
  .filter((workspace) => statSync(workspace, { throwIfNoEntry: false })?.isDirectory() === true)
  .flatMap((workspace) => fuzzSuitesUnder(join(workspace, 'test')).map((file) => ({ workspace, file })))
  .filter(({ file }) => filters.length === 0 || filters.some((word) => relative(root, file).includes(word)));

if (suites.length === 0) {
  console.error(`no *.fuzz.test.ts found${filters.length > 0 ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'kiln-fuzz-'));

/** fast-check's report with the counterexample cut short (a hostile input may be megabytes) and the cause kept. */
function shortFailure(message) {
  return message
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}... (${line.length} characters)` : line))
    .join('\n');
}

/** Runs one suite through its workspace's jest; resolves to a row per test (property). */
function runSuite({ workspace, file }, index) {
  const output = join(scratch, `suite-${index}.json`);
  const args = [
    jest,
    '--ci',
    '--runInBand',
    '--json',
    `--outputFile=${output}`,
    // A property at 10^5 inputs runs for minutes; its own per-input bound catches hangs.
    '--testTimeout=3600000',
    relative(workspace, file),
  ];
  const started = Date.now();
  console.error(`fuzzing ${relative(root, file)} (${runs} inputs per property)...`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: workspace,
      env: { ...process.env, KILN_FUZZ_RUNS: String(runs) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', () => {
      const seconds = (Date.now() - started) / 1000;
      let report;
      try {
        report = JSON.parse(readFileSync(output, 'utf8'));
      } catch {
        resolve([
          { parser: relative(root, file), inputs: 0, crashes: 1, seconds, detail: stderr.slice(-2000) },
        ]);
        return;
      }
      const rows = report.testResults.flatMap((result) => {
        if (result.assertionResults.length === 0) {
          return [{ parser: relative(root, file), inputs: 0, crashes: 1, seconds, detail: result.message }];
        }
        return result.assertionResults.map((test) => ({
          // `MQTT JSON payload: 100000 generated inputs, no crash, ...` -> `MQTT JSON payload`
          parser: /^(.*?): \d+ generated inputs/.exec(test.title)?.[1] ?? test.title,
          inputs: test.status === 'passed' ? runs : 0,
          crashes: test.status === 'passed' ? 0 : 1,
          seconds: (test.duration ?? 0) / 1000,
          detail: test.failureMessages.map(shortFailure).join('\n'),
        }));
      });
      resolve(rows);
    });
  });
}

async function runAll() {
  const rows = [];
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, suites.length) }, async () => {
    while (next < suites.length) {
      const index = next;
      next += 1;
      const suite = suites[index];
      if (suite !== undefined) rows.push(...(await runSuite(suite, index)));
    }
  });
  await Promise.all(lanes);
  return rows;
}

function printTable(rows, totalSeconds) {
  const header = ['parser', 'generated inputs', 'crashes', 'time'];
  const body = rows.map((row) => [
    row.parser,
    row.crashes === 0
      ? row.inputs.toLocaleString('en-US')
      : `failed (${runs.toLocaleString('en-US')} planned)`,
    String(row.crashes),
    `${row.seconds.toFixed(1)} s`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length)),
  );
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of body) console.log(line(cells));
  const failed = rows.filter((row) => row.crashes > 0).length;
  console.log(
    `\n${rows.length} parsers, ${rows.reduce((sum, row) => sum + row.inputs, 0).toLocaleString('en-US')} inputs, ` +
      `${failed} failing, ${(totalSeconds / 60).toFixed(1)} min wall clock (${parallel} at a time)`,
  );
}

const startedAll = Date.now();
const rows = await runAll();
rows.sort((a, b) => a.parser.localeCompare(b.parser));
for (const row of rows.filter((candidate) => candidate.crashes > 0)) {
  console.error(`\n--- ${row.parser} ---\n${row.detail.slice(0, 4000)}`);
}
printTable(rows, (Date.now() - startedAll) / 1000);
rmSync(scratch, { recursive: true, force: true });
process.exit(rows.some((row) => row.crashes > 0) ? 1 : 0);
