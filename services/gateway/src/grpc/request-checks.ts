// What every kiln.v1 request goes through before its method runs (issue 13, "validate at every boundary"): the
// message must have decoded, every string in it must pass the text rules of its field (no NUL or other control
// characters, capped in length, one line unless it is free text) and every number must be finite. Field names
// are the proto names a client sent (`reason_text`, `signals[2].asset_id`). Ranges, enums and ids are the
// methods' own checks (convert.ts); times are checked where they become microseconds (microsOf).
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { numberProblem } from '@kiln/contracts';
import { MAX_COMMENT_LENGTH } from '../domain/alerts';
import { textRuleProblem, type TextRule } from '../domain/input-rules';
import { invalidArgument } from '../errors';

const line = (maxLength: number): TextRule => ({ maxLength, kind: 'line' });
const free = (maxLength: number): TextRule => ({ maxLength, kind: 'free' });

/** The rule of a string field by its proto name; the same caps as the REST schemas. */
const TEXT_RULES: Readonly<Record<string, TextRule>> = {
  reason_text: free(500),
  comment: free(MAX_COMMENT_LENGTH),
  description: free(2000),
  reason_code: line(64),
  name: line(200),
  type: line(100),
  stop_id: line(600),
  alert_id: line(200),
  page_token: line(512),
  actor: line(200),
  assigned_by: line(200),
  signal: line(200),
};
/** Ids (asset_id, site_id, parent_id, root_asset_id, id, asset_ids) and anything not listed. */
const DEFAULT_RULE = line(512);

/** Deepest nesting a kiln.v1 request has (a request, a message in it, a Timestamp or list in that). */
const MAX_DEPTH = 8;

const snakeOf = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** A request whose bytes did not decode as its message: the handler answers INVALID_ARGUMENT. */
export class UndecodableRequest {
  constructor(
    readonly method: string,
    readonly reason: string,
  ) {}
}

/**
 * The service with request decoding that does not throw: grpc-js answers a throwing deserializer with INTERNAL
 * (a server fault) before any handler runs; this hands the handler an UndecodableRequest instead, which
 * checkRequest refuses with INVALID_ARGUMENT (the client's fault).
 */
export function withRequestDecodingChecked<Definition extends ServiceDefinition>(
  definition: Definition,
): Definition {
  const checked: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    checked[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(method.path, error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return checked as Definition;
}

/**
 * Throws an invalid-argument ApiError naming the first field at fault; returns the request unchanged when every
 * field is acceptable.
 */
export function checkRequest<Request>(request: Request): Request {
  if (request instanceof UndecodableRequest) {
    throw invalidArgument(
      'request',
      `the bytes are not a request message of ${request.method}: ${request.reason.slice(0, 200)}`,
    );
  }
  walk(request, '', '', 0);
  return request;
}

function walk(value: unknown, path: string, leaf: string, depth: number): void {
  if (typeof value === 'string') {
    const problem = textRuleProblem(value, TEXT_RULES[leaf] ?? DEFAULT_RULE);
    if (problem !== undefined) throw invalidArgument(path, problem);
    return;
  }
  if (typeof value === 'number') {
    const problem = numberProblem(value);
    if (problem !== undefined) throw invalidArgument(path, problem);
    return;
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (depth > MAX_DEPTH) throw invalidArgument(path, `is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => walk(item, `${path}[${index}]`, leaf, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const name = snakeOf(key);
    walk(item, path === '' ? name : `${path}.${name}`, name, depth + 1);
  }
}
