// The messages between PgliteThreadDatabase (the caller's thread) and the thread that runs PGlite
// (pglite-thread-worker.ts). Statements and their results cross by structured clone; errors cross as their fields,
// so that a caller still sees PostgreSQL's SQLSTATE in `code`.

export interface PgliteThreadSetup {
  readonly dataDir?: string;
  readonly timescale: boolean;
}

export type ToWorker =
  | {
      readonly op: 'query';
      readonly id: number;
      readonly sql: string;
      readonly params: readonly unknown[];
      /** The transaction to run in; absent: outside any. */
      readonly tx?: number;
    }
  | { readonly op: 'execute'; readonly id: number; readonly sql: string; readonly tx?: number }
  | { readonly op: 'begin'; readonly id: number; readonly tx: number }
  | { readonly op: 'end'; readonly id: number; readonly tx: number; readonly commit: boolean }
  | { readonly op: 'close'; readonly id: number };

export type FromWorker =
  | { readonly op: 'ready' }
  | { readonly op: 'failed'; readonly error: ErrorFields }
  | { readonly op: 'done'; readonly id: number; readonly rows?: unknown[]; readonly rowCount?: number }
  | { readonly op: 'error'; readonly id: number; readonly error: ErrorFields };

/** An error's message and its own fields of plain values (PostgreSQL's code, detail, hint, ...). */
export interface ErrorFields {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

export function errorOf(fields: ErrorFields): Error {
  const error = Object.assign(new Error(fields.message), fields.fields);
  error.name = fields.name;
  return error;
}
