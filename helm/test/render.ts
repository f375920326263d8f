// Lints and renders helm/kiln through scripts/helm.mjs (helm-java from Maven Central, no helm binary) and parses
// the multi-document output. A failed fetch or a failed lint/template is an error, in CI and outside it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = join(__dirname, '..', '..');
export const chartDir = join(repoRoot, 'helm', 'kiln');
export const allFeaturesValues = join(chartDir, 'ci', 'all-features-values.yaml');
export const productionValues = join(chartDir, 'ci', 'production-values.yaml');
const script = join(repoRoot, 'scripts', 'helm.mjs');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

function helm(args: readonly string[]): string {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `node scripts/helm.mjs ${args.join(' ')} failed (exit ${String(result.status)}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** `helm lint --strict` of the chart, with its values overlaid by the given files; its output when it passes. */
export function lintChart(valuesFiles: readonly string[] = []): string {
  return helm(['lint', chartDir, ...valuesFiles.flatMap((file) => ['--values', file])]);
}

/** `helm template` (hooks included) as parsed objects. */
export function renderChart(valuesFiles: readonly string[] = []): K8sObject[] {
  const manifest = helm([
    'template',
    chartDir,
    '--name',
    'kiln',
    '--namespace',
    'plant',
    ...valuesFiles.flatMap((file) => ['--values', file]),
  ]);
  return parseAllDocuments(manifest).flatMap((document) => {
    if (document.errors.length > 0)
      throw new Error(`rendered YAML is invalid: ${document.errors[0]?.message}`);
    const object: unknown = document.toJS();
    if (object === null || object === undefined) return [];
    if (!isK8sObject(object))
      throw new Error(`rendered document is not a Kubernetes object: ${JSON.stringify(object)}`);
    return [object];
  });
}

function isK8sObject(value: unknown): value is K8sObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const metadata = candidate['metadata'] as Record<string, unknown> | undefined;
  return (
    typeof candidate['apiVersion'] === 'string' &&
    typeof candidate['kind'] === 'string' &&
    typeof metadata?.['name'] === 'string'
  );
}
