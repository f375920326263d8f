// Reads the .proto files themselves, so that tests can check that every message, enum, service and documented
// topic in the schema has its counterpart in tests and in the topic catalogue.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const EVENTS_PROTO_DIR = resolve(__dirname, '../../../proto/kiln/events/v1');
/** The public query API (package kiln.v1). */
export const API_PROTO_DIR = resolve(__dirname, '../../../proto/kiln/v1');

function protoSources(dir = EVENTS_PROTO_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.proto'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

/** Lines without their `//` comments, so that prose such as "the message of ..." is not read as a declaration. */
function withoutComments(source: string): string {
  return source.replace(/\/\/.*$/gm, '');
}

/** Every `message Name` declared in the protos of a directory (nested ones included); the event protos by default. */
export function protoMessageNames(dir = EVENTS_PROTO_DIR): string[] {
  return protoSources(dir).flatMap((source) =>
    [...withoutComments(source).matchAll(/\bmessage\s+(\w+)\s*\{/g)].map((match) => match[1] ?? ''),
  );
}

/** Every `enum Name { VALUE = n; ... }` declared in the protos of a directory, value names to numbers. */
export function protoEnums(dir = EVENTS_PROTO_DIR): Map<string, Map<string, number>> {
  const enums = new Map<string, Map<string, number>>();
  for (const source of protoSources(dir)) {
    for (const match of withoutComments(source).matchAll(/\benum\s+(\w+)\s*\{([^}]*)\}/g)) {
      const values = new Map<string, number>();
      for (const value of (match[2] ?? '').matchAll(/(\w+)\s*=\s*(-?\d+)\s*;/g)) {
        values.set(value[1] ?? '', Number(value[2]));
      }
      enums.set(match[1] ?? '', values);
    }
  }
  return enums;
}

export interface DocumentedTopic {
  readonly topic: string;
  readonly keyField: string;
  readonly message: string;
}

/** The `// Topic kiln.x.v1, keyed by field` comments and the message each one documents. */
export function documentedTopics(): DocumentedTopic[] {
  return protoSources().flatMap((source) =>
    [
      ...source.matchAll(
        /\/\/ Topic (kiln\.[\w.-]+), keyed by (\w+)[^\n]*\n(?:\s*\/\/[^\n]*\n)*\s*message\s+(\w+)/g,
      ),
    ].map((match) => ({ topic: match[1] ?? '', keyField: match[2] ?? '', message: match[3] ?? '' })),
  );
}

export interface DeclaredRpc {
  readonly service: string;
  readonly method: string;
  readonly serverStreaming: boolean;
}

/** Every `rpc Method(Request) returns ([stream] Response)` of every `service` in the protos of a directory. */
export function protoRpcs(dir: string): DeclaredRpc[] {
  return protoSources(dir).flatMap((source) =>
    [...withoutComments(source).matchAll(/\bservice\s+(\w+)\s*\{([^}]*)\}/g)].flatMap((service) =>
      [...(service[2] ?? '').matchAll(/\brpc\s+(\w+)\s*\([^)]*\)\s*returns\s*\(\s*(stream\s+)?\w/g)].map(
        (rpc) => ({ service: service[1] ?? '', method: rpc[1] ?? '', serverStreaming: rpc[2] !== undefined }),
      ),
    ),
  );
}
