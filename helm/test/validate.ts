// Checks rendered objects against the Kubernetes schemas through test/validate-objects.mjs (kubernetes-models).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { K8sObject } from './render';

/** The schema violations of the objects, each naming its object; empty when all are valid. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-objects.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`validate-objects.mjs failed (exit ${String(result.status)}): ${result.stderr}`);
  const problems: unknown = JSON.parse(result.stdout);
  if (!Array.isArray(problems)) throw new Error(`validate-objects.mjs printed ${result.stdout}`);
  return problems.map(String);
}
