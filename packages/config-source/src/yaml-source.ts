// YAML with positions: parse once with a LineCounter, then map a value's path (as a validator reports it)
// back to `line:col` in the file, so an operator can jump straight to the offending key.
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { yamlNestingProblem } from './yaml-nesting';

/** A 1-based position in a YAML text. */
export interface YamlLocation {
  readonly line: number;
  readonly col: number;
}

export interface LocateYamlPathOptions {
  /** Point at the mapping key (for unknown keys) or at the value (for wrong values). Default 'value'. */
  readonly at?: 'key' | 'value';
  /**
   * When the full path is absent (a missing required key), point at the deepest part that exists instead of
   * returning undefined: that is where the missing key belongs.
   */
  readonly nearest?: boolean;
}

/** A syntax error of a YAML text, with its position. */
export interface YamlSyntaxError extends YamlLocation {
  readonly message: string;
}

/** A parsed YAML text that remembers where each node came from. */
export interface YamlSource {
  readonly fileName: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  /** Empty when the text parsed; `value` is then the plain JavaScript value of the document. */
  readonly syntaxErrors: readonly YamlSyntaxError[];
  readonly value: unknown;
}

/**
 * Parses YAML text, keeping positions; never throws on bad syntax (see `syntaxErrors`), nor on a hostile text:
 * nesting the parser's recursion cannot take is refused before parsing, and aliases that would expand past the
 * library's budget (a "billion laughs" text) are a syntax error, not a ReferenceError.
 */
export function parseYamlSource(text: string, fileName: string): YamlSource {
  const lineCounter = new LineCounter();
  const nesting = yamlNestingProblem(text);
  if (nesting !== undefined) {
    const syntaxErrors = [{ line: nesting.line, col: nesting.col, message: nesting.message }];
    return { fileName, doc: parseDocument(''), lineCounter, syntaxErrors, value: undefined };
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxErrors = doc.errors.map((error) => ({
    ...lineCounter.linePos(error.pos[0]),
    message: error.message,
  }));
  if (syntaxErrors.length > 0) return { fileName, doc, lineCounter, syntaxErrors, value: undefined };
  try {
    return { fileName, doc, lineCounter, syntaxErrors, value: doc.toJS() };
  } catch (error) {
    const message = `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    return { fileName, doc, lineCounter, syntaxErrors: [{ line: 1, col: 1, message }], value: undefined };
  }
}

interface Entry {
  readonly key: unknown;
  readonly value: unknown;
}

/**
 * Where the node at `path` (e.g. `['bus', 'kafka', 'brokers', 0]`) sits in the document.
 * Returns undefined when the path does not exist (unless `nearest`) or the node has no position.
 */
export function locateYamlPath(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  options: LocateYamlPathOptions = {},
): YamlLocation | undefined {
  let entry: Entry = { key: undefined, value: doc.contents };
  for (const segment of path) {
    const next = childEntry(entry.value, segment);
    if (next === undefined) {
      return options.nearest === true ? positionOf(entry, 'key', lineCounter) : undefined;
    }
    entry = next;
  }
  return positionOf(entry, options.at ?? 'value', lineCounter);
}

/** `kiln.yaml:4:3` */
export function formatYamlLocation(fileName: string, location: YamlLocation): string {
  return `${fileName}:${location.line}:${location.col}`;
}

function childEntry(node: unknown, segment: PropertyKey): Entry | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof segment !== 'symbol' && String(key) === String(segment)) {
        return { key: pair.key, value: pair.value };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment];
    return item === undefined ? undefined : { key: undefined, value: item };
  }
  return undefined;
}

function positionOf(entry: Entry, at: 'key' | 'value', lineCounter: LineCounter): YamlLocation | undefined {
  // `key:` with nothing after it has no value node; fall back to the other side of the pair.
  const preferred = at === 'key' ? [entry.key, entry.value] : [entry.value, entry.key];
  for (const node of preferred) {
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
  }
  // The document root of an empty file has no node at all.
  return entry.key === undefined ? { line: 1, col: 1 } : undefined;
}
