// The dependency-cruiser configuration of a repository, built from its workspaces' roles: for each package and
// scope, one forbidden rule per layer rule it could break, naming the packages it may not import; and one rule
// against module cycles. `.dependency-cruiser.cjs` at the root exports it for depcruise's own command line.
import { brokenLayerRule, LAYER_RULES, type LayerRule, type Scope } from './layers';
import type { Workspace } from './workspaces';

export const MODULE_CYCLE_RULE = 'no-module-cycle';
export const MODULE_CYCLE_COMMENT =
  'modules of a package import each other at run time; move what both need into a module of its own';

/** The part of dependency-cruiser's configuration this check uses (its IConfiguration, kept to what we write). */
export interface CruiserConfig {
  readonly forbidden: CruiserRule[];
  readonly options: CruiserOptions;
}

export interface CruiserRule {
  readonly name: string;
  readonly severity: 'error';
  readonly comment: string;
  readonly from: { readonly path: string };
  readonly to:
    | { readonly path: string }
    | { readonly circular: true; readonly viaOnly: { readonly dependencyTypesNot: ['type-only'] } };
}

export interface CruiserOptions {
  readonly tsPreCompilationDeps: true;
  readonly preserveSymlinks: true;
  readonly doNotFollow: { readonly path: string };
  readonly exclude: { readonly path: string[] };
}

/** Folders of generated or built code inside a workspace: not Kiln's source, never checked. */
const BUILT = ['dist', 'dist-bench', 'dist-eval', 'coverage', 'src/gen'];

export function cruiserConfig(workspaces: readonly Workspace[]): CruiserConfig {
  const roots = alternatives(workspaces.map((workspace) => workspace.dir));
  return {
    forbidden: [
      ...workspaces.flatMap((workspace) => layerRules(workspace, workspaces)),
      {
        name: MODULE_CYCLE_RULE,
        severity: 'error',
        comment: MODULE_CYCLE_COMMENT,
        from: { path: `^${roots}/` },
        // A cycle through `import type` is erased by the compiler and orders no module loading: not reported.
        to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
      },
    ],
    options: {
      // Type-only imports count for layers: a core that names a platform type depends on the platform.
      tsPreCompilationDeps: true,
      // `@kiln/x` stays `node_modules/@kiln/x/...` (not the workspace folder it links to), so it is not followed.
      preserveSymlinks: true,
      doNotFollow: { path: '(^|/)node_modules/' },
      // `__fixtures__` hold test inputs, e.g. the small repositories the layer check's own tests run on.
      exclude: { path: [`^${roots}/${alternatives(BUILT)}/`, '(^|/)__fixtures__/'] },
    },
  };
}

/** Matches what an import of `workspace` resolves to: its folder, its link in node_modules, or its bare name. */
export function targetPattern(targets: readonly Workspace[]): string {
  const dirs = alternatives(targets.map((target) => target.dir));
  const names = alternatives(targets.map((target) => target.name));
  return `^(?:${dirs}/|${names}(?:/|$))|(?:^|/)node_modules/${names}/`;
}

/** The folder pattern of the files of `workspace` in `scope`. */
export function scopePattern(workspace: Workspace, scope: Scope): string {
  const dir = escape(workspace.dir);
  return scope === 'production' ? `^${dir}/src/` : `^${dir}/(?!src/)`;
}

function layerRules(from: Workspace, workspaces: readonly Workspace[]): CruiserRule[] {
  const fromRole = from.role;
  if (fromRole === undefined) return [];
  const scopes: readonly Scope[] = ['production', 'test'];
  return scopes.flatMap((scope) => {
    const forbidden = new Map<LayerRule, Workspace[]>();
    for (const to of workspaces) {
      if (to === from || to.role === undefined) continue;
      const rule = brokenLayerRule(fromRole, to.role, scope);
      if (rule !== undefined) forbidden.set(rule, [...(forbidden.get(rule) ?? []), to]);
    }
    return [...forbidden].map(([rule, targets]) => ({
      name: rule,
      severity: 'error' as const,
      comment: LAYER_RULES[rule],
      from: { path: scopePattern(from, scope) },
      to: { path: targetPattern(targets) },
    }));
  });
}

function alternatives(values: readonly string[]): string {
  return `(?:${values.map(escape).join('|')})`;
}

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
