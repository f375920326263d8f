// The validators the REST server compiles for its routes' schemas, captured as it compiles them (the same
// compiler, fastify-type-provider-zod's, so the same functions the server runs on each request): a fuzz suite
// runs most of its generated inputs through them directly, a share end to end through app.inject().
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';

export type HttpPart = 'body' | 'params' | 'querystring' | 'headers';

/** What a compiled validator returns: the (parsed) value, or the schema issues. */
export type Validation =
  | { readonly value: unknown }
  | { readonly error: readonly { readonly instancePath: string; readonly message?: string }[] };

export type Validator = (data: unknown) => Validation;

export class RouteValidators {
  private readonly compiled = new Map<string, Validator>();

  /** Hand this to app.setValidatorCompiler before app.ready(). */
  readonly compiler: FastifySchemaCompiler<unknown> = (route) => {
    const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
    this.compiled.set(keyOf(route.method, route.url, route.httpPart as HttpPart), validate as Validator);
    return validate;
  };

  /** The validator of a route's part (`POST`, `/api/v1/stops/:stopId/reason`, `params`), if it has a schema. */
  get(method: string, url: string, part: HttpPart): Validator | undefined {
    return this.compiled.get(keyOf(method, url, part));
  }
}

const keyOf = (method: string, url: string, part: HttpPart): string => `${method} ${url} ${part}`;
