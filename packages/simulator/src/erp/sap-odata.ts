// The small part of OData v2 the SAP face speaks: JSON values as S/4HANA writes them (Edm.DateTime `/Date(ms)/`,
// Edm.DateTimeOffset `/Date(ms+0000)/`, Edm.Time `PT08H30M00S`, Edm.Decimal as strings), the SAP error body, and a
// query subset ($filter with eq/ne/gt/ge/lt/le joined by `and`, $orderby, $top, $skip, $skiptoken).

export type ODataValue = string | number | boolean | null | ODataValue[] | { [key: string]: ODataValue };
export type ODataEntity = Record<string, ODataValue>;

const DAY_MS = 86_400_000;

/** Edm.DateTime: the date part (midnight UTC), as SAP sends date fields. */
export function edmDate(ms: number | undefined): string | null {
  return ms === undefined ? null : `/Date(${Math.floor(ms / DAY_MS) * DAY_MS})/`;
}

/** Edm.Time of the day of `ms` (UTC). */
export function edmTime(ms: number | undefined): string {
  if (ms === undefined) return 'PT00H00M00S';
  const secondOfDay = Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `PT${pad(Math.floor(secondOfDay / 3600))}H${pad(Math.floor(secondOfDay / 60) % 60)}M${pad(secondOfDay % 60)}S`;
}

export function edmDateTimeOffset(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

export function edmDecimal(value: number, decimals = 3): string {
  return value.toFixed(decimals);
}

/** Milliseconds of an Edm.DateTime / Edm.DateTimeOffset JSON value, undefined when not one. */
export function parseEdmDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Milliseconds since midnight of an Edm.Time value. */
export function parseEdmTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value);
  if (match === null) return undefined;
  return (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000;
}

export interface SapErrorBody {
  error: {
    code: string;
    message: { lang: 'en'; value: string };
    innererror: { transactionid: string; timestamp: string; errordetails: unknown[] };
  };
}

export function sapError(code: string, message: string): SapErrorBody {
  return {
    error: {
      code,
      message: { lang: 'en', value: message },
      innererror: {
        transactionid: Math.random().toString(16).slice(2, 18).toUpperCase().padEnd(16, '0'),
        timestamp: new Date().toISOString().replace(/\D/g, '').slice(0, 14),
        errordetails: [],
      },
    },
  };
}

/** An OData request the face cannot serve: answered 400 with the SAP error body. */
export class ODataQueryError extends Error {
  override readonly name = 'ODataQueryError';
}

export type FilterOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export interface FilterClause {
  readonly field: string;
  readonly operator: FilterOperator;
  /** Strings for quoted/guid literals, epoch ms for datetime literals, numbers, booleans. */
  readonly value: string | number | boolean;
  readonly kind: 'string' | 'datetime' | 'number' | 'boolean';
}

const CLAUSE =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|gt|ge|lt|le)\s+(?:(guid|datetimeoffset|datetime)?'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?[mMdD]?)|(true|false))\s*/;

/** Parses `$filter` into clauses joined by `and` (the only combination the face supports). */
export function parseFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const clauses: FilterClause[] = [];
  let rest = filter;
  for (;;) {
    const match = CLAUSE.exec(rest);
    if (match === null) throw new ODataQueryError(`Invalid filter expression: '${rest.trim()}'`);
    const [whole, field = '', operator = 'eq', prefix, quoted, numeric, bool] = match;
    const op = operator as FilterOperator;
    if (quoted !== undefined) {
      const text = quoted.replace(/''/g, "'");
      if (prefix === 'datetime' || prefix === 'datetimeoffset') {
        const ms = Date.parse(prefix === 'datetime' && !/Z|[+-]\d\d:\d\d$/.test(text) ? `${text}Z` : text);
        if (Number.isNaN(ms)) throw new ODataQueryError(`Invalid ${prefix} literal '${text}'`);
        clauses.push({ field, operator: op, value: ms, kind: 'datetime' });
      } else {
        clauses.push({ field, operator: op, value: text, kind: 'string' });
      }
    } else if (numeric !== undefined) {
      clauses.push({ field, operator: op, value: Number(numeric.replace(/[mMdD]$/, '')), kind: 'number' });
    } else {
      clauses.push({ field, operator: op, value: bool === 'true', kind: 'boolean' });
    }
    rest = rest.slice(whole.length);
    if (rest.trim() === '') return clauses;
    const and = /^and\s+/i.exec(rest);
    if (and === null) throw new ODataQueryError(`Only 'and' joins filter clauses here, got '${rest.trim()}'`);
    rest = rest.slice(and[0].length);
  }
}

function comparable(
  value: ODataValue | undefined,
  kind: FilterClause['kind'],
): string | number | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (kind === 'datetime') return parseEdmDate(value);
  if (kind === 'number')
    return typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : undefined;
  if (kind === 'string') return typeof value === 'string' ? value.toLowerCase() : String(value);
  return typeof value === 'boolean' ? value : undefined;
}

export function matchesFilter(entity: ODataEntity, clauses: readonly FilterClause[]): boolean {
  return clauses.every((clause) => {
    if (!(clause.field in entity)) throw new ODataQueryError(`Property '${clause.field}' not found`);
    const left = comparable(entity[clause.field], clause.kind);
    const right = typeof clause.value === 'string' ? clause.value.toLowerCase() : clause.value;
    if (left === undefined) return clause.operator === 'ne';
    switch (clause.operator) {
      case 'eq':
        return left === right;
      case 'ne':
        return left !== right;
      case 'gt':
        return left > right;
      case 'ge':
        return left >= right;
      case 'lt':
        return left < right;
      case 'le':
        return left <= right;
    }
  });
}

export function sortEntities(
  entities: ODataEntity[],
  orderby: string | undefined,
  keys: readonly string[],
): void {
  const terms = (orderby ?? '')
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .map((term) => {
      const [field = '', direction = 'asc'] = term.split(/\s+/);
      if (direction !== 'asc' && direction !== 'desc')
        throw new ODataQueryError(`Invalid $orderby '${term}'`);
      return { field, descending: direction === 'desc' };
    });
  for (const key of keys)
    if (!terms.some((t) => t.field === key)) terms.push({ field: key, descending: false });
  const sortValue = (value: ODataValue | undefined): string | number => {
    const ms = parseEdmDate(value);
    if (ms !== undefined) return ms;
    return typeof value === 'number' ? value : JSON.stringify(value ?? '');
  };
  entities.sort((a, b) => {
    for (const term of terms) {
      const left = sortValue(a[term.field]);
      const right = sortValue(b[term.field]);
      if (left !== right) return (left < right ? -1 : 1) * (term.descending ? -1 : 1);
    }
    return 0;
  });
}

export function parseNonNegativeInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new ODataQueryError(`Invalid value '${value}' for system query option ${name}`);
  return Number(value);
}
