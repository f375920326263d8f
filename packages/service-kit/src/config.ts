// Configuration of a service: schema defaults < YAML file < environment variables, validated once at start.
// The only module of this package that reads `process.env` (and only when the caller passes no `env`).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from './error-message';
import {
  ConfigError,
  formatPath,
  locateYamlPath,
  parseYamlSource,
  type ConfigIssue,
  type ConfigSource,
  type YamlSource,
} from '@kiln/config-source';

export interface LoadConfigOptions<S extends z.ZodType> {
  /** The service's configuration schema; make every object `.strict()` so misspelt keys fail. */
  readonly schema: S;
  /** Path of an optional YAML file; omit to configure from the environment and defaults only. */
  readonly file?: string;
  /** Environment to read; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Environment variable name (after the prefix) -> dotted configuration path, e.g. `HTTP_PORT: 'http.port'`. */
  readonly envMap?: Readonly<Record<string, string>>;
  /** Prepended to every name in `envMap`, e.g. `KILN_` so `HTTP_PORT` reads `KILN_HTTP_PORT`. */
  readonly envPrefix?: string;
}

/**
 * Reads, merges and validates a service's configuration. Throws `ConfigError` naming every bad key with its
 * source (`file:line:col` for YAML, the variable name for environment values).
 *
 * Environment values are strings; they are converted by the schema type at the mapped path: numbers,
 * booleans (`true/false/1/0/yes/no/on/off`), arrays (comma-separated) and objects (JSON). An empty variable
 * counts as unset. Prefer plain `z.number()`/`z.boolean()` over `z.coerce` (`z.coerce.boolean()` reads
 * "false" as true).
 */
export function loadConfig<S extends z.ZodType>(options: LoadConfigOptions<S>): z.output<S> {
  const yaml = options.file === undefined ? undefined : readYamlFile(options.file);
  const input: unknown = yaml?.value ?? {};
  if (!isPlainObject(input)) {
    const where = yaml === undefined ? undefined : locateYamlPath(yaml.doc, yaml.lineCounter, []);
    const source =
      yaml === undefined || where === undefined ? unknownSource : fileSource(yaml.fileName, where);
    throw new ConfigError([
      { path: '', message: 'the top level must be a mapping of configuration keys', source },
    ]);
  }

  const envSources = overlayEnvironment(input, options);
  const result = options.schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.flatMap((issue) => describeIssue(issue, input, yaml, envSources)),
  );
}

function readYamlFile(file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        path: '',
        message: `cannot read configuration file ${file}: ${errorMessage(error)}`,
        source: unknownSource,
      },
    ]);
  }
  const yaml = parseYamlSource(text, file);
  if (yaml.syntaxErrors.length > 0) {
    throw new ConfigError(
      yaml.syntaxErrors.map((error) => ({
        path: '',
        message: `YAML syntax error: ${error.message}`,
        source: fileSource(file, error),
      })),
    );
  }
  return yaml;
}

type Path = readonly PropertyKey[];

/** Writes mapped environment values into `input`; returns config path -> variable name for error reports. */
function overlayEnvironment<S extends z.ZodType>(
  input: Record<string, unknown>,
  options: LoadConfigOptions<S>,
): Map<string, { readonly path: Path; readonly name: string }> {
  const env = options.env ?? process.env;
  const sources = new Map<string, { readonly path: Path; readonly name: string }>();
  for (const [suffix, dottedPath] of Object.entries(options.envMap ?? {})) {
    const name = `${options.envPrefix ?? ''}${suffix}`;
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const path = dottedPath.split('.');
    setIn(input, path, fromEnvString(schemaAt(options.schema, path), raw));
    sources.set(dottedPath, { path, name });
  }
  return sources;
}

type AnySchema = z.core.$ZodType;

/** Strips wrappers (optional, default, pipe, ...) down to the schema that decides the value's type. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.core.$ZodOptional ||
      current instanceof z.core.$ZodNullable ||
      current instanceof z.core.$ZodDefault ||
      current instanceof z.core.$ZodPrefault ||
      current instanceof z.core.$ZodReadonly ||
      current instanceof z.core.$ZodCatch
    ) {
      current = current._zod.def.innerType;
    } else if (current instanceof z.core.$ZodPipe) {
      current = current._zod.def.in;
    } else {
      return current;
    }
  }
}

function schemaAt(schema: AnySchema, path: readonly string[]): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (const segment of path) {
    const object: AnySchema | undefined = current === undefined ? undefined : unwrap(current);
    current = object instanceof z.core.$ZodObject ? object._zod.def.shape[segment] : undefined;
  }
  return current;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Converts an environment string to the type the schema expects; leaves it a string when it does not fit. */
function fromEnvString(schema: AnySchema | undefined, raw: string): unknown {
  const target = schema === undefined ? undefined : unwrap(schema);
  const text = raw.trim();
  if (target instanceof z.core.$ZodNumber) {
    const value = Number(text);
    return text !== '' && Number.isFinite(value) ? value : raw;
  }
  if (target instanceof z.core.$ZodBoolean) {
    const word = text.toLowerCase();
    return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : raw;
  }
  if (target instanceof z.core.$ZodArray) {
    const element = target._zod.def.element;
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => fromEnvString(element, item));
  }
  if ((target instanceof z.core.$ZodObject || target instanceof z.core.$ZodRecord) && text.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  yaml: YamlSource | undefined,
  envSources: ReadonlyMap<string, { readonly path: Path; readonly name: string }>,
): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return {
        path: formatPath(path),
        message: 'unrecognized key',
        source: sourceOf(path, 'key', yaml, envSources),
      };
    });
  }
  return [
    {
      path: formatPath(issue.path),
      message: messageOf(issue, getIn(input, issue.path)),
      source: sourceOf(issue.path, 'value', yaml, envSources),
    },
  ];
}

function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (value === undefined) return `required (expected ${issue.expected})`;
  return `expected ${issue.expected}, received ${describeValue(value)}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

function sourceOf(
  path: Path,
  at: 'key' | 'value',
  yaml: YamlSource | undefined,
  envSources: ReadonlyMap<string, { readonly path: Path; readonly name: string }>,
): ConfigSource {
  for (const source of envSources.values()) {
    if (startsWith(path, source.path)) return { kind: 'env', name: source.name };
  }
  if (yaml === undefined) return unknownSource;
  const location = locateYamlPath(yaml.doc, yaml.lineCounter, path, { at, nearest: true });
  return location === undefined ? unknownSource : fileSource(yaml.fileName, location);
}

const unknownSource: ConfigSource = { kind: 'unknown' };

function fileSource(file: string, location: { readonly line: number; readonly col: number }): ConfigSource {
  return { kind: 'file', file, line: location.line, col: location.col };
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getIn(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    // An environment value wins over whatever the file had at that place.
    const child: Record<string, unknown> = isPlainObject(next) ? next : {};
    current[segment] = child;
    current = child;
  });
}
