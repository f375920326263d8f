// The workspaces of a repository as the layer check sees them: name, folder, role and the packages they name in
// package.json. Read from the root package.json's `workspaces`, so a new package is checked without a list here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRole, type Role } from './layers';

export interface Workspace {
  readonly name: string;
  /** Relative to the repository root, `/`-separated: `services/oee`. */
  readonly dir: string;
  /** Undefined when package.json has no `"kiln": { "role" }` or names an unknown one (reported as such). */
  readonly role: Role | undefined;
  readonly dependencies: readonly string[];
  readonly devDependencies: readonly string[];
}

/** The workspaces listed by `root`/package.json, sorted by folder. Throws when a pattern is not `dir` or `dir/*`. */
export function readWorkspaces(root: string): Workspace[] {
  const patterns = readJson(join(root, 'package.json'))['workspaces'];
  if (!Array.isArray(patterns) || !patterns.every((pattern) => typeof pattern === 'string')) {
    throw new Error(`${join(root, 'package.json')}: "workspaces" must be a list of folders`);
  }
  return patterns
    .flatMap((pattern) => workspaceDirs(root, pattern))
    .sort()
    .map((dir) => readWorkspace(root, dir));
}

function workspaceDirs(root: string, pattern: string): string[] {
  const dir = pattern.replace(/\/$/, '');
  if (!dir.includes('*')) return [dir];
  const parent = dir.slice(0, -'/*'.length);
  if (!dir.endsWith('/*') || parent.includes('*')) {
    throw new Error(`workspace pattern "${pattern}": the layer check reads only "dir" and "dir/*" patterns`);
  }
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
    .map((entry) => `${parent}/${entry.name}`);
}

function readWorkspace(root: string, dir: string): Workspace {
  const file = join(root, dir, 'package.json');
  const manifest = readJson(file);
  const name = manifest['name'];
  if (typeof name !== 'string') throw new Error(`${file}: no "name"`);
  const kiln = manifest['kiln'];
  const role = isObject(kiln) && isRole(kiln['role']) ? kiln['role'] : undefined;
  return {
    name,
    dir,
    role,
    dependencies: dependencyNames(manifest['dependencies']),
    devDependencies: dependencyNames(manifest['devDependencies']),
  };
}

function dependencyNames(section: unknown): string[] {
  return isObject(section) ? Object.keys(section).sort() : [];
}

function readJson(file: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(value)) throw new Error(`${file}: expected a JSON object`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
