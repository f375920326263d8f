// Patterns on source ids and tags, and templates that turn their captures into asset ids and signal names.
//
// A pattern is either a glob or a regular expression:
// - glob: `*` matches within one '/'-separated segment, `**` matches anything (also across '/'), `{name}`
//   captures a non-empty part of one segment; everything else is literal; the whole text must match.
// - regex: `/.../flags` (JavaScript syntax); named groups `(?<name>...)` are captures; not anchored unless written.

export type Captures = Readonly<Record<string, string>>;

export interface CompiledPattern {
  readonly text: string;
  readonly captureNames: readonly string[];
  /** The captures when `input` matches (an empty object for patterns without captures), else undefined. */
  match(input: string): Captures | undefined;
}

export type PatternResult =
  { readonly ok: true; readonly pattern: CompiledPattern } | { readonly ok: false; readonly message: string };

const REGEX_LITERAL = /^\/(.*)\/([dgimsuvy]*)$/s;
const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NO_CAPTURES: Captures = Object.freeze({});

export function compilePattern(text: string): PatternResult {
  const regexLiteral = REGEX_LITERAL.exec(text);
  if (regexLiteral !== null) return compileRegex(text, regexLiteral[1] ?? '', regexLiteral[2] ?? '');
  return compileGlob(text);
}

function compileRegex(text: string, source: string, flags: string): PatternResult {
  let regex: RegExp;
  try {
    // 'g' and 'y' make exec() stateful; a tag matcher must not be.
    regex = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (error) {
    return { ok: false, message: `invalid regular expression ${text}: ${(error as Error).message}` };
  }
  const captureNames = [...source.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] ?? '');
  return { ok: true, pattern: regexPattern(text, regex, captureNames) };
}

function compileGlob(text: string): PatternResult {
  let source = '';
  const captureNames: string[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (text.startsWith('**', i)) {
      source += '.*';
      i += 2;
    } else if (char === '*') {
      source += '[^/]*';
      i += 1;
    } else if (char === '{') {
      const end = text.indexOf('}', i);
      const name = end < 0 ? '' : text.slice(i + 1, end);
      if (!CAPTURE_NAME.test(name)) {
        return {
          ok: false,
          message: `invalid capture in ${JSON.stringify(text)}: write {name} with a plain name`,
        };
      }
      if (captureNames.includes(name)) {
        return { ok: false, message: `capture {${name}} appears twice in ${JSON.stringify(text)}` };
      }
      captureNames.push(name);
      source += `(?<${name}>[^/]+?)`;
      i = end + 1;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  if (source === escapeLiteral(text)) return { ok: true, pattern: literalPattern(text) };
  return { ok: true, pattern: regexPattern(text, new RegExp(`^${source}$`, 's'), captureNames) };
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function literalPattern(text: string): CompiledPattern {
  return { text, captureNames: [], match: (input) => (input === text ? NO_CAPTURES : undefined) };
}

function regexPattern(text: string, regex: RegExp, captureNames: readonly string[]): CompiledPattern {
  return {
    text,
    captureNames,
    match(input) {
      const found = regex.exec(input);
      if (found === null) return undefined;
      return found.groups === undefined ? NO_CAPTURES : { ...found.groups };
    },
  };
}

/** A text with `{name}` placeholders, filled from captures, e.g. `acme/plant-1/{line}/{machine}`. */
export interface CompiledTemplate {
  readonly text: string;
  readonly placeholders: readonly string[];
  /** Fills the placeholders with slugified captures (a placeholder without a capture stays empty). */
  render(captures: Captures): string;
}

export function compileTemplate(text: string): CompiledTemplate {
  const parts = text.split(/\{([A-Za-z_][A-Za-z0-9_]*)\}/);
  // split() with a capture group alternates literal text (even indexes) and placeholder names (odd indexes).
  const placeholders = parts.filter((_, i) => i % 2 === 1);
  if (placeholders.length === 0) return { text, placeholders, render: () => text };
  return {
    text,
    placeholders,
    render(captures) {
      let out = '';
      parts.forEach((part, i) => {
        out += i % 2 === 0 ? part : slugify(captures[part] ?? '');
      });
      return out;
    },
  };
}

/**
 * Turns a captured tag part into an id segment: lower case, runs of characters other than letters, digits and '.'
 * become one '-', no leading or trailing '-'. `Press_04` -> `press-04`, `Line 2` -> `line-2`.
 * A capture never adds a '/' to an asset id.
 */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}
