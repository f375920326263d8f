// Query strings parsed and validated once for requests that repeat them: a dashboard polls the same URL every
// second or faster, and at 1,000 requests a second parsing, zod's validation and the parsed objects were a third of
// the latest-value route's work per request. Both memos are bounded and hold only what a request sent.
import type { FastifySchemaCompiler } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema';
import { parse } from 'fast-querystring';

/** Distinct query strings remembered (the oldest goes first); one of at most MAX_MEMO_QUERY_LENGTH characters. */
export const MAX_MEMO_QUERIES = 1_000;
export const MAX_MEMO_QUERY_LENGTH = 4_096;

/**
 * fastify's query-string parser (fast-querystring, as its router's default), remembering its answers: the same
 * text gets the same frozen object, which the validators below recognize. A text never seen again costs one map
 * entry until MAX_MEMO_QUERIES newer ones push it out; a long one is parsed every time and not kept.
 */
export function memoizedQuerystringParser(
  maxEntries = MAX_MEMO_QUERIES,
  maxLength = MAX_MEMO_QUERY_LENGTH,
): (text: string) => Record<string, unknown> {
  const parsed = new Map<string, Record<string, unknown>>();
  return (text) => {
    if (text.length === 0) return {};
    const known = parsed.get(text);
    if (known !== undefined) return known;
    const made = deepFrozen(parse(text) as Record<string, unknown>);
    if (text.length <= maxLength && maxEntries > 0) {
      if (parsed.size >= maxEntries) parsed.delete(parsed.keys().next().value as string);
      parsed.set(text, made);
    }
    return made;
  };
}

function deepFrozen(query: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(query)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(query);
}

/**
 * A route's validator that validates a frozen input (a remembered query string's) once: its answer is kept with
 * the input and goes with it, its value frozen too (every request that repeats the text is handed the same one).
 * A failed validation is not kept (fastify decorates the error it is given).
 */
export function memoizedValidatorCompiler<S>(
  compile: (route: FastifyRouteSchemaDef<never>) => (data: unknown) => unknown,
): FastifySchemaCompiler<S> {
  return (route) => {
    const validate = compile(route as unknown as FastifyRouteSchemaDef<never>);
    const answers = new WeakMap<object, unknown>();
    const memoized = (data: unknown) => {
      if (typeof data !== 'object' || data === null || !Object.isFrozen(data)) return validate(data);
      const known = answers.get(data);
      if (known !== undefined) return known;
      const answer = validate(data);
      if (isValue(answer)) {
        const { value } = answer as { value: unknown };
        if (typeof value === 'object' && value !== null) deepFrozen(value as Record<string, unknown>);
        answers.set(data, answer);
      }
      return answer;
    };
    return memoized as ReturnType<FastifySchemaCompiler<S>>;
  };
}

const isValue = (answer: unknown): boolean =>
  typeof answer === 'object' &&
  answer !== null &&
  'value' in answer &&
  !('error' in answer && (answer as { error?: unknown }).error !== undefined);
