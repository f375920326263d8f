// The layers of Kiln and the one rule between them (docs/architecture.md section 12). Pure: the checker applies
// it to package.json dependencies, and dependency-cruiser applies it to imports through rules built from it, so
// the rule is written once.

/** Bottom to top: a package imports packages of its own layer and of the layers below it. */
export const LAYERS = ['contract', 'core', 'platform', 'service', 'app'] as const;
export type Layer = (typeof LAYERS)[number];

/** A tool (the simulator, test support, deployment checks) stands beside the layers and may import anything. */
export const ROLES = [...LAYERS, 'tool'] as const;
export type Role = (typeof ROLES)[number];

/**
 * `production`: what ships, a package's `src/` and its package.json `dependencies`. `test`: everything else in the
 * package (tests, benches, evals, scripts) and its `devDependencies`.
 */
export type Scope = 'production' | 'test';

/** Each rule an import can break, with what it says to whoever broke it. */
export const LAYER_RULES = {
  'upward-import':
    'a package imports only its own layer and lower ones (contract < core < platform < service < app)',
  'service-imports-service':
    'a service never imports another service; what two services share belongs in a platform package',
  'tool-at-run-time': 'only the app and tools import a tool outside tests',
  'test-imports-app': 'only a tool imports the app, even in tests',
} as const;
export type LayerRule = keyof typeof LAYER_RULES;

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

/**
 * The rule an import from a package of role `from` into another package of role `to` breaks, or undefined when
 * the import is allowed. An import inside one package is never a layer question.
 */
export function brokenLayerRule(from: Role, to: Role, scope: Scope): LayerRule | undefined {
  if (from === 'tool') return undefined;
  // The app runs the simulated factory; a service or library that needs a tool to run is mis-layered.
  if (to === 'tool') return scope === 'test' || from === 'app' ? undefined : 'tool-at-run-time';
  if (to === 'app' && from !== 'app') return scope === 'test' ? 'test-imports-app' : 'upward-import';
  // A service's end-to-end tests start the services upstream of it.
  if (from === 'service' && to === 'service') return scope === 'test' ? undefined : 'service-imports-service';
  return LAYERS.indexOf(to) > LAYERS.indexOf(from) ? 'upward-import' : undefined;
}
