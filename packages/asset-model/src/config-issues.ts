// Problems found in a plant YAML file, reported as ConfigIssues (@kiln/config-source) with `file:line:col key: message`,
// whether zod found them (shape) or this package did (units, references, duplicates).
import {
  ConfigError,
  formatPath,
  locateYamlPath,
  parseYamlSource,
  yamlNestingProblem,
  type ConfigIssue,
  type ConfigSource,
  type YamlSource,
} from '@kiln/config-source';
import type { z } from 'zod';

export type YamlPath = readonly (string | number)[];

/** A problem at a place in the YAML document, before it is given a line and column. */
export interface PathIssue {
  readonly path: YamlPath;
  readonly message: string;
  /** Point at the key (unknown or duplicate keys) or at the value (default). */
  readonly at?: 'key' | 'value';
}

/** Collects issues of one YAML source and throws them together, so an engineer fixes a file in one pass. */
export class IssueCollector {
  private readonly issues: ConfigIssue[] = [];

  constructor(private readonly source: YamlSource) {}

  add(issue: PathIssue): void {
    this.issues.push(toConfigIssue(this.source, issue));
  }

  addZodIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: YamlPath = []): void {
    for (const issue of issues) {
      const inner = scalarOwner(input, issue.path.filter(isPathSegment));
      const path = [...prefix, ...inner];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          this.add({ path: [...path, key], message: 'unrecognized key', at: 'key' });
      } else {
        this.add({ path, message: zodMessage(issue, valueAt(input, inner)) });
      }
    }
  }

  get size(): number {
    return this.issues.length;
  }

  /** A ConfigError listing every collected issue. */
  toError(): ConfigError {
    return new ConfigError(this.issues);
  }

  /** Throws a ConfigError listing every collected issue; returns when there are none. */
  throwIfAny(): void {
    if (this.issues.length > 0) throw this.toError();
  }
}

/**
 * Parses a plant YAML text, refusing one nested past MAX_NESTING (see @kiln/config-source's yaml-nesting.ts) at its
 * position. Aliases that would expand past the yaml library's budget (a "billion laughs" file of a few hundred
 * bytes would otherwise take gigabytes) come back as a syntax error (parseYamlSource), so a hostile file is
 * refused like a wrong one.
 */
export function parsePlantYaml(text: string, fileName: string): YamlSource {
  const nesting = yamlNestingProblem(text);
  if (nesting !== undefined) {
    throw new ConfigError([
      {
        path: '',
        message: `YAML ${nesting.message}`,
        source: { kind: 'file', file: fileName, line: nesting.line, col: nesting.col },
      },
    ]);
  }
  return parseYamlSource(text, fileName);
}

/** Throws a ConfigError for YAML syntax errors of the source; returns the document value otherwise. */
export function requireParsedYaml(source: YamlSource): unknown {
  if (source.syntaxErrors.length === 0) return source.value;
  throw new ConfigError(
    source.syntaxErrors.map((error) => ({
      path: '',
      message: `YAML syntax error: ${error.message}`,
      source: { kind: 'file', file: source.fileName, line: error.line, col: error.col },
    })),
  );
}

function toConfigIssue(source: YamlSource, issue: PathIssue): ConfigIssue {
  const location = locateYamlPath(source.doc, source.lineCounter, issue.path, {
    at: issue.at ?? 'value',
    nearest: true,
  });
  const configSource: ConfigSource =
    location === undefined
      ? { kind: 'unknown' }
      : { kind: 'file', file: source.fileName, line: location.line, col: location.col };
  return { path: formatPath(issue.path), message: issue.message, source: configSource };
}

function isPathSegment(segment: PropertyKey): segment is string | number {
  return typeof segment === 'string' || typeof segment === 'number';
}

function zodMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    if (value === undefined) return `required (expected ${issue.expected})`;
    return `expected ${issue.expected}, received ${describeValue(value)}`;
  }
  if (issue.code === 'invalid_value' && issue.values.length > 1) {
    return `expected one of ${issue.values.map((v) => String(v)).join(', ')}, received ${describeValue(value)}`;
  }
  return issue.message;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

/**
 * A shorthand written as a scalar (`1: RUNNING` for `1: { state: RUNNING }`) is expanded before validation, so
 * an issue may name a path below the scalar; it belongs to the scalar the engineer wrote.
 */
function scalarOwner(input: unknown, path: YamlPath): YamlPath {
  let current = input;
  for (let i = 0; i < path.length; i += 1) {
    if (i > 0 && (typeof current !== 'object' || current === null)) return path.slice(0, i);
    current = (current as Record<string | number, unknown> | null | undefined)?.[path[i] ?? ''];
  }
  return path;
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
