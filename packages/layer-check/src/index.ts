// The layer rule and its check (docs/architecture.md section 12); `.dependency-cruiser.cjs` at the repository
// root builds its configuration with `cruiserConfig(readWorkspaces(root))`.
export {
  brokenLayerRule,
  isRole,
  LAYER_RULES,
  LAYERS,
  ROLES,
  type Layer,
  type LayerRule,
  type Role,
  type Scope,
} from './layers';
export { readWorkspaces, type Workspace } from './workspaces';
export { cruiserConfig, type CruiserConfig } from './cruiser-config';
export { checkRepository, type CheckResult } from './check';
export type { Violation } from './package-graph';
