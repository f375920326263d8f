#!/usr/bin/env node
// Lints and renders the Helm chart without a helm binary: helm-java (Helm's own Go code behind a Java API) comes
// from Maven Central like the Kafka broker of scripts/infra.mjs.
//   node scripts/helm.mjs fetch                         fetch helm-java into .infra/helm/lib (cached per pom)
//   node scripts/helm.mjs lint [chart] [--values f]     helm lint --strict; with --values, of the chart's values
//                                                       overlaid by f (helm-java's lint reads values.yaml only)
//   node scripts/helm.mjs template [chart] [--values f]... [--name n] [--namespace ns]
//                                                       helm template, hooks included, to stdout
//   node scripts/helm.mjs check                         lint and template helm/kiln with its default values and
//                                                       with each helm/kiln/ci/*-values.yaml
// Requirements: Java 17+ and Maven on the PATH. Any failure, a failed fetch included, exits non-zero.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const libDir = join(root, '.infra/helm/lib');
const pom = join(root, 'helm/tool/pom.xml');
const program = join(root, 'helm/tool/HelmCheck.java');
const defaultChart = join(root, 'helm/kiln');

function log(message) {
  process.stderr.write(`[helm] ${message}\n`);
}

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Fetches helm-java once per pom content; Maven's own cache (~/.m2) makes a re-fetch cheap. */
function ensureHelmJava() {
  const stamp = join(libDir, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash) return;
  if (!which('mvn'))
    throw new Error('Maven (mvn) is needed to fetch helm-java from Maven Central: apt-get install maven');
  const version = /<helm-java\.version>([^<]+)</.exec(readFileSync(pom, 'utf8'))?.[1] ?? '?';
  log(`fetching helm-java ${version} from Maven Central into ${libDir}`);
  rmSync(libDir, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', process.stderr, process.stderr] },
  );
  if (result.status !== 0) {
    throw new Error(
      `mvn dependency:copy-dependencies of ${pom} failed (exit ${result.status}): is Maven Central reachable?`,
    );
  }
  writeFileSync(stamp, pomHash);
}

function helmCheck(args) {
  ensureHelmJava();
  if (!which('java')) throw new Error('Java 17+ (java) is needed to run helm-java');
  const result = spawnSync('java', ['-cp', `${libDir}/*`, program, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return result.status ?? 1;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's coalescing of a values file over the chart's values: maps merge, everything else is replaced. */
function overlay(base, override) {
  if (!isObject(base) || !isObject(override)) return override;
  const merged = { ...base };
  for (const [key, value] of Object.entries(override))
    merged[key] = key in base ? overlay(base[key], value) : value;
  return merged;
}

/** Lints a copy of the chart whose values.yaml is the chart's values overlaid by the given files, in order. */
function lint(chart, valuesFiles) {
  if (valuesFiles.length === 0) return helmCheck(['lint', chart]);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-helm-lint-'));
  const copy = join(dir, basename(chart));
  try {
    cpSync(chart, copy, { recursive: true });
    let values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) ?? {};
    for (const file of valuesFiles) values = overlay(values, parse(readFileSync(file, 'utf8')) ?? {});
    writeFileSync(join(copy, 'values.yaml'), stringify(values));
    log(`lint of ${chart} with ${valuesFiles.join(', ')}`);
    return helmCheck(['lint', copy]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(args) {
  let chart = defaultChart;
  const values = [];
  const passThrough = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--values' || arg === '-f') {
      const file = args[++i];
      if (file === undefined) throw new Error(`${arg} needs a file`);
      values.push(resolve(file));
    } else if (arg === '--name' || arg === '--namespace') {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      passThrough.push(arg, value);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`);
    } else {
      chart = resolve(arg);
    }
  }
  return { chart, values, passThrough };
}

function check() {
  const ciDir = join(defaultChart, 'ci');
  const variants = [
    [],
    ...(existsSync(ciDir) ? readdirSync(ciDir) : [])
      .filter((file) => file.endsWith('-values.yaml'))
      .map((file) => [join(ciDir, file)]),
  ];
  for (const values of variants) {
    const what = values.length === 0 ? 'default values' : basename(values[0]);
    if (lint(defaultChart, values) !== 0) throw new Error(`helm lint failed with ${what}`);
    const args = ['template', defaultChart, ...values.flatMap((file) => ['--values', file])];
    const result = spawnSync('java', ['-cp', `${libDir}/*`, program, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`helm template failed with ${what}:\n${result.stderr}`);
    log(`template with ${what}: ${(result.stdout.match(/^kind: /gm) ?? []).length} objects`);
  }
  return 0;
}

function main(argv) {
  const [command = 'check', ...rest] = argv;
  switch (command) {
    case 'fetch':
      ensureHelmJava();
      return 0;
    case 'lint': {
      const { chart, values } = parseArgs(rest);
      return lint(chart, values);
    }
    case 'template': {
      const { chart, values, passThrough } = parseArgs(rest);
      return helmCheck(['template', chart, ...values.flatMap((file) => ['--values', file]), ...passThrough]);
    }
    case 'check':
      ensureHelmJava();
      return check();
    default:
      throw new Error(`unknown command ${command}: fetch, lint, template or check`);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
