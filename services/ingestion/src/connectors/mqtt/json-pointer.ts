// JSON Pointer (RFC 6901) resolution: where in a JSON payload a value or a timestamp sits.

/** Why a pointer could not be used: it is not RFC 6901 syntax, or nothing sits where it points. */
export type JsonPointerResult = { readonly found: true; readonly value: unknown } | { readonly found: false };

/** Splits a pointer into its unescaped reference tokens; throws naming the pointer when it is not RFC 6901. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new Error(`JSON pointer "${pointer}" must be empty or start with "/" (RFC 6901)`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      // RFC 6901, 3: "~" is only allowed as "~0" or "~1".
      if (/~(?![01])/.test(token)) {
        throw new Error(`JSON pointer "${pointer}" has a "~" not followed by 0 or 1 (RFC 6901, 3)`);
      }
      // RFC 6901, 4: "~1" first, then "~0", so "~01" becomes "~1" and not "/".
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** Resolves parsed reference tokens against a parsed JSON document (RFC 6901, 4). */
export function resolveJsonPointer(document: unknown, tokens: readonly string[]): JsonPointerResult {
  let current: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) return { found: false };
      const index = Number(token);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return { found: false };
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
