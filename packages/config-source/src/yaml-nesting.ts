// How deep a YAML text nests, estimated before the yaml library sees it. The library parses recursively: a
// few kilobytes of `[[[[...` or `- - - - ...` exhaust the stack, and V8 may then abort the whole process
// ("RegExpCompiler Allocation failed") instead of throwing. A plant file nests about 15 levels, a configuration file fewer; past MAX_NESTING the
// text is refused with its position.

/** Nesting levels a plant file may use (flow collections, compact sequences, indentation columns / 4). */
export const MAX_NESTING = 64;
/** Deepest indentation a line may have; a plant file indents about 30 columns. */
const MAX_INDENT = 4 * MAX_NESTING;

export interface NestingProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Where the text first nests deeper than MAX_NESTING, or undefined. */
export function yamlNestingProblem(text: string): NestingProblem | undefined {
  let flowDepth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | undefined;
  let inComment = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n') {
      line += 1;
      lineStart = i + 1;
      inComment = false;
      const problem = blockNesting(text, lineStart, line);
      if (problem !== undefined) return problem;
      continue;
    }
    if (i === 0) {
      const problem = blockNesting(text, 0, 1);
      if (problem !== undefined) return problem;
    }
    if (inComment) continue;
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') i += 1;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t'))
      inComment = true;
    else if (char === '[' || char === '{') {
      flowDepth += 1;
      if (flowDepth > MAX_NESTING) {
        return { line, col: i - lineStart + 1, message: `nested deeper than ${MAX_NESTING} levels` };
      }
    } else if ((char === ']' || char === '}') && flowDepth > 0) flowDepth -= 1;
  }
  return undefined;
}

/** Indentation and compact `- - -` / `? ` indicators at the start of the line starting at `start`. */
function blockNesting(text: string, start: number, line: number): NestingProblem | undefined {
  let i = start;
  let indicators = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === ' ') i += 1;
    else if ((char === '-' || char === '?') && (text[i + 1] === ' ' || text[i + 1] === '\n')) {
      indicators += 1;
      i += 1;
    } else break;
    if (i - start > MAX_INDENT || indicators > MAX_NESTING) {
      return {
        line,
        col: i - start + 1,
        message: `indented or nested deeper than ${MAX_NESTING} levels (${MAX_INDENT} columns)`,
      };
    }
  }
  return undefined;
}
