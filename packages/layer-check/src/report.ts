// What `npm run deps:check` prints: the package graph by layer, then one line per broken rule.
import { LAYERS, ROLES } from './layers';
import type { PackageGraph, Violation } from './package-graph';
import type { Workspace } from './workspaces';

export function formatGraph(workspaces: readonly Workspace[], graph: PackageGraph): string {
  const lines = [`Packages by layer (${LAYERS.join(' < ')}; tools beside them, may use anything):`];
  const roleOrder = (workspace: Workspace): number =>
    workspace.role === undefined ? ROLES.length : ROLES.indexOf(workspace.role);
  const sorted = [...workspaces].sort((a, b) => roleOrder(a) - roleOrder(b) || a.name.localeCompare(b.name));
  const nameWidth = Math.max(...workspaces.map((workspace) => workspace.name.length));
  for (const workspace of sorted) {
    const role = (workspace.role ?? '(none)').padEnd(9);
    lines.push(`  ${role}${workspace.name.padEnd(nameWidth + 2)}${workspace.dir}`);
    const uses = graph.get(workspace.name);
    const runtime = [...(uses?.production ?? [])].sort();
    const testOnly = [...(uses?.test ?? [])].filter((name) => !uses?.production.has(name)).sort();
    if (runtime.length > 0) lines.push(`${' '.repeat(11)}uses ${runtime.join(', ')}`);
    if (testOnly.length > 0) lines.push(`${' '.repeat(11)}tests use ${testOnly.join(', ')}`);
  }
  return lines.join('\n');
}

/** `error service-imports-service: services/a/src/x.ts imports @kiln/b (service -> service): a service never ...` */
export function formatViolation(violation: Violation): string {
  return `error ${violation.rule}: ${violation.subject}: ${violation.reason}`;
}
