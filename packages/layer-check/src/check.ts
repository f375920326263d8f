// The layer check of one repository: reads the workspaces, cruises their code with dependency-cruiser under the
// rules built from their roles, and collects every broken rule, module cycle and package cycle.
import { cruiserConfig, MODULE_CYCLE_COMMENT, MODULE_CYCLE_RULE } from './cruiser-config';
import { findCycles } from './cycles';
import { LAYER_RULES, type LayerRule } from './layers';
import {
  declaredDependencyViolations,
  packageGraph,
  roleViolations,
  WorkspaceIndex,
  type ModuleImport,
  type PackageGraph,
  type Violation,
} from './package-graph';
import { readWorkspaces, type Workspace } from './workspaces';

export const PACKAGE_CYCLE_RULE = 'no-package-cycle';

export interface CheckResult {
  readonly workspaces: readonly Workspace[];
  readonly graph: PackageGraph;
  readonly violations: readonly Violation[];
  readonly modulesCruised: number;
}

/**
 * Checks the repository at `root`. dependency-cruiser resolves from the working directory, so the check moves
 * there while it cruises and moves back after.
 */
export async function checkRepository(root: string): Promise<CheckResult> {
  const workspaces = readWorkspaces(root);
  const index = new WorkspaceIndex(workspaces);
  const previousDir = process.cwd();
  process.chdir(root);
  let cruised: CruiseOutput;
  try {
    cruised = await cruiseWorkspaces(workspaces);
  } finally {
    process.chdir(previousDir);
  }
  const imports: ModuleImport[] = cruised.modules.flatMap((module) =>
    module.dependencies.map((dependency) => ({ from: module.source, to: dependency.resolved })),
  );
  const graph = packageGraph(index, imports);
  const violations = [
    ...roleViolations(workspaces),
    ...declaredDependencyViolations(index),
    ...importViolations(index, cruised.summary.violations),
    ...moduleCycleViolations(cruised.summary.violations),
    ...packageCycleViolations(graph),
  ];
  return { workspaces, graph, violations, modulesCruised: cruised.modules.length };
}

/** The parts of dependency-cruiser's JSON result this check reads. */
interface CruiseOutput {
  readonly modules: readonly {
    readonly source: string;
    readonly dependencies: readonly { readonly resolved: string }[];
  }[];
  readonly summary: { readonly violations: readonly CruiseViolation[] };
}

interface CruiseViolation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly { readonly name: string }[];
}

async function cruiseWorkspaces(workspaces: readonly Workspace[]): Promise<CruiseOutput> {
  // dependency-cruiser is an ES module; this package is CommonJS, so it is loaded with import().
  const { cruise } = await import('dependency-cruiser');
  const config = cruiserConfig(workspaces);
  const result = await cruise(
    workspaces.map((workspace) => workspace.dir),
    { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, outputType: 'json' },
  );
  if (typeof result.output !== 'string') throw new Error('dependency-cruiser did not answer with JSON');
  return JSON.parse(result.output) as CruiseOutput;
}

function importViolations(index: WorkspaceIndex, violations: readonly CruiseViolation[]): Violation[] {
  return violations.flatMap((violation) => {
    const rule = violation.rule.name;
    if (!isLayerRule(rule)) return [];
    const from = index.ownerOf(violation.from)?.workspace;
    const to = index.targetOf(violation.to);
    const roles = `${from?.role ?? '?'} -> ${to?.role ?? '?'}`;
    return [
      {
        rule,
        subject: `${violation.from} imports ${to?.name ?? violation.to} (${roles})`,
        reason: LAYER_RULES[rule],
      },
    ];
  });
}

/** dependency-cruiser reports a cycle once for each import in it; each cycle is reported here once. */
function moduleCycleViolations(violations: readonly CruiseViolation[]): Violation[] {
  const cycles = new Map<string, string[]>();
  for (const violation of violations) {
    if (violation.rule.name !== MODULE_CYCLE_RULE || violation.cycle === undefined) continue;
    const members = [violation.from, ...violation.cycle.map((step) => step.name)].slice(0, -1);
    const first = members.indexOf([...members].sort()[0] ?? '');
    const rotated = [...members.slice(first), ...members.slice(0, first)];
    cycles.set(rotated.join(' -> '), [...rotated, rotated[0] ?? '']);
  }
  return [...cycles.values()].map((cycle) => ({
    rule: MODULE_CYCLE_RULE,
    subject: cycle.join(' -> '),
    reason: MODULE_CYCLE_COMMENT,
  }));
}

function packageCycleViolations(graph: PackageGraph): Violation[] {
  const edges = new Map(
    [...graph].map(([name, uses]) => [name, new Set([...uses.production, ...uses.test])]),
  );
  return findCycles(edges).map((cycle) => ({
    rule: PACKAGE_CYCLE_RULE,
    subject: cycle.join(' -> '),
    reason:
      'packages depend on each other (package.json or imports, tests included); neither can be built first',
  }));
}

function isLayerRule(name: string): name is LayerRule {
  return Object.hasOwn(LAYER_RULES, name);
}
