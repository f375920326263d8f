// Which package uses which, from package.json (dependencies, devDependencies) and from the imports
// dependency-cruiser found, by scope; and the layer rule applied to what package.json declares.
import { brokenLayerRule, LAYER_RULES, ROLES, type Scope } from './layers';
import { scopePattern, targetPattern } from './cruiser-config';
import type { Workspace } from './workspaces';

/** Package name -> scope -> names of the other workspaces it uses. */
export type PackageGraph = ReadonlyMap<string, Readonly<Record<Scope, ReadonlySet<string>>>>;

export interface Violation {
  readonly rule: string;
  /** Where, and what: the importing file or package.json, and the package it names. */
  readonly subject: string;
  /** What the rule says. */
  readonly reason: string;
}

/** One import found in the code: the importing file and what the import resolved to. */
export interface ModuleImport {
  readonly from: string;
  readonly to: string;
}

/** Finds the workspace a file belongs to, and the workspace an import resolves into. */
export class WorkspaceIndex {
  private readonly owners: readonly {
    readonly workspace: Workspace;
    readonly scopes: Record<Scope, RegExp>;
  }[];
  private readonly targets: readonly { readonly workspace: Workspace; readonly pattern: RegExp }[];

  constructor(readonly workspaces: readonly Workspace[]) {
    this.owners = workspaces.map((workspace) => ({
      workspace,
      scopes: {
        production: new RegExp(scopePattern(workspace, 'production')),
        test: new RegExp(scopePattern(workspace, 'test')),
      },
    }));
    this.targets = workspaces.map((workspace) => ({
      workspace,
      pattern: new RegExp(targetPattern([workspace])),
    }));
  }

  /** The workspace of `file` and whether the file ships; undefined outside every workspace. */
  ownerOf(file: string): { readonly workspace: Workspace; readonly scope: Scope } | undefined {
    for (const { workspace, scopes } of this.owners) {
      if (scopes.production.test(file)) return { workspace, scope: 'production' };
      if (scopes.test.test(file)) return { workspace, scope: 'test' };
    }
    return undefined;
  }

  /** The workspace an import resolved to (`node_modules/@kiln/bus/dist/index.js`, `@kiln/bus`, `packages/bus/...`). */
  targetOf(resolved: string): Workspace | undefined {
    return this.targets.find(({ pattern }) => pattern.test(resolved))?.workspace;
  }

  byName(name: string): Workspace | undefined {
    return this.workspaces.find((workspace) => workspace.name === name);
  }
}

export function packageGraph(index: WorkspaceIndex, imports: readonly ModuleImport[]): PackageGraph {
  const graph = new Map<string, Record<Scope, Set<string>>>();
  const use = (from: Workspace, scope: Scope, to: Workspace | undefined): void => {
    if (to === undefined || to === from) return;
    const uses = graph.get(from.name) ?? { production: new Set<string>(), test: new Set<string>() };
    uses[scope].add(to.name);
    graph.set(from.name, uses);
  };
  for (const workspace of index.workspaces) {
    for (const name of workspace.dependencies) use(workspace, 'production', index.byName(name));
    for (const name of workspace.devDependencies) use(workspace, 'test', index.byName(name));
  }
  for (const { from, to } of imports) {
    const owner = index.ownerOf(from);
    if (owner !== undefined) use(owner.workspace, owner.scope, index.targetOf(to));
  }
  return graph;
}

/** Every workspace without a known role. */
export function roleViolations(workspaces: readonly Workspace[]): Violation[] {
  return workspaces
    .filter((workspace) => workspace.role === undefined)
    .map((workspace) => ({
      rule: 'missing-role',
      subject: `${workspace.dir}/package.json has no "kiln": { "role" }`,
      reason: `every workspace says its layer, one of ${ROLES.join(', ')}`,
    }));
}

/** The layer rule applied to the workspaces each package.json names. */
export function declaredDependencyViolations(index: WorkspaceIndex): Violation[] {
  const sections = [
    ['dependencies', 'production'],
    ['devDependencies', 'test'],
  ] as const;
  return index.workspaces.flatMap((from) =>
    sections.flatMap(([section, scope]) =>
      from[section].flatMap((name) => {
        const to = index.byName(name);
        if (from.role === undefined || to === undefined || to.role === undefined) return [];
        const rule = brokenLayerRule(from.role, to.role, scope);
        if (rule === undefined) return [];
        return [
          {
            rule,
            subject: `${from.dir}/package.json "${section}" names ${to.name} (${from.role} -> ${to.role})`,
            reason: LAYER_RULES[rule],
          },
        ];
      }),
    ),
  );
}
