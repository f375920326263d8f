// Cursor pagination: a page is the items after the cursor's key, in key order; the cursor is opaque to clients
// (base64url of the last key) and checked when it comes back.
import { invalidArgument } from '../errors';

export interface Page<T> {
  readonly items: T[];
  /** Absent on the last page. */
  readonly nextCursor?: string;
}

export interface PageRequest {
  readonly pageSize?: number;
  readonly cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageSizeOf(request: PageRequest): number {
  const size = request.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidArgument('pageSize', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

export const encodeCursor = (key: string): string =>
  Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'k' in parsed && typeof parsed.k === 'string')
      return parsed.k;
  } catch {
    // falls through to the error below
  }
  throw invalidArgument('cursor', 'is not a cursor this API returned');
}

/** Cuts rows fetched with LIMIT size + 1 into a page. */
export function pageOf<T>(rows: T[], size: number, keyOf: (item: T) => string): Page<T> {
  if (rows.length <= size) return { items: rows };
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return last === undefined ? { items } : { items, nextCursor: encodeCursor(keyOf(last)) };
}

/** The keyset of a cursor: a JSON array of the given element types, or invalid-argument. */
export function keysetOf<T extends unknown[]>(
  cursor: string | undefined,
  check: (parsed: unknown[]) => boolean,
): T | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(key);
    if (Array.isArray(parsed) && check(parsed)) return parsed as T;
  } catch {
    // falls through to the error below
  }
  throw invalidArgument('cursor', 'is not a cursor of this list');
}
