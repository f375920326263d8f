// `npm run deps:check` (docs/architecture.md section 12): prints the package graph and exits 1 when a package
// breaks the layer rule, or packages or modules import each other in a cycle; 2 when the check cannot run.
// `--root <dir>` checks another repository (the tests use small ones); the default is the working directory.
import { resolve } from 'node:path';
import { checkRepository } from './check';
import { formatGraph, formatViolation } from './report';

async function main(argv: readonly string[]): Promise<number> {
  const rootFlag = argv.indexOf('--root');
  const root = resolve(rootFlag === -1 ? '.' : (argv[rootFlag + 1] ?? '.'));
  const result = await checkRepository(root);
  console.log(formatGraph(result.workspaces, result.graph));
  console.log('');
  for (const violation of result.violations) console.log(formatViolation(violation));
  const summary = `${result.workspaces.length} packages, ${result.modulesCruised} modules`;
  if (result.violations.length === 0) {
    console.log(`Layers checked: ${summary}, no upward import, no cycle.`);
    return 0;
  }
  console.log(
    `${result.violations.length} layer violations (${summary}); see docs/architecture.md section 12.`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`deps:check could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
