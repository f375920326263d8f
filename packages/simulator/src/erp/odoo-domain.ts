// Odoo's query language over plain records: domains (prefix-notation '&', '|', '!' over [field, operator, value]
// leaves) and `order` clauses, plus the exception type both Odoo faces report.

/** An Odoo exception: `name` is its Python class, as both faces report it. */
export class OdooError extends Error {
  constructor(
    readonly odooName: string,
    message: string,
  ) {
    super(message);
  }
}

export type OdooRecord = Record<string, unknown> & { id: number };
export type OdooParams = Record<string, unknown>;

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  return String(a) < String(b) ? -1 : 1;
}

type Predicate = (record: OdooRecord) => boolean;

function comparable(value: unknown): unknown {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' ? value[0] : value;
}

function leafOf(term: unknown[]): Predicate {
  const [field, operator, value] = term;
  if (typeof field !== 'string' || typeof operator !== 'string') {
    throw new OdooError('ValueError', `Invalid domain term ${JSON.stringify(term)}`);
  }
  const compare = compareValues;
  return (record) => {
    const raw = record[field];
    if (raw === undefined) throw new OdooError('ValueError', `Invalid field '${field}' in domain`);
    const actual = comparable(raw);
    switch (operator) {
      case '=':
        return actual === value || (value === false && (actual === false || actual === ''));
      case '!=':
        return actual !== value;
      case 'in':
        return Array.isArray(value) && value.includes(actual);
      case 'not in':
        return Array.isArray(value) && !value.includes(actual);
      case '>':
        return actual !== false && compare(actual, value) > 0;
      case '>=':
        return actual !== false && compare(actual, value) >= 0;
      case '<':
        return actual !== false && compare(actual, value) < 0;
      case '<=':
        return actual !== false && compare(actual, value) <= 0;
      case 'like':
      case 'ilike': {
        const text = Array.isArray(raw) ? String(raw[1]) : String(raw === false ? '' : raw);
        const needle = String(value).replaceAll('%', '');
        return operator === 'like'
          ? text.includes(needle)
          : text.toLowerCase().includes(needle.toLowerCase());
      }
      default:
        throw new OdooError('ValueError', `Invalid domain operator '${operator}'`);
    }
  };
}

/** Odoo domains: prefix-notation '&', '|', '!' over [field, operator, value] leaves, implicit '&' at top level. */
export function domainPredicate(domain: unknown): Predicate {
  if (domain === undefined || domain === null) return () => true;
  if (!Array.isArray(domain)) throw new OdooError('ValueError', 'A domain must be a list');
  let position = 0;
  const next = (): Predicate => {
    const item: unknown = domain[position++];
    if (item === '&' || item === '|') {
      const left = next();
      const right = next();
      return item === '&' ? (r) => left(r) && right(r) : (r) => left(r) || right(r);
    }
    if (item === '!') {
      const inner = next();
      return (r) => !inner(r);
    }
    if (Array.isArray(item)) return leafOf(item);
    throw new OdooError('ValueError', `Invalid domain element ${JSON.stringify(item)}`);
  };
  const terms: Predicate[] = [];
  while (position < domain.length) terms.push(next());
  return (r) => terms.every((t) => t(r));
}

export function sortBy(records: OdooRecord[], order: unknown): OdooRecord[] {
  const keys = (typeof order === 'string' && order.trim() !== '' ? order : 'id').split(',').map((part) => {
    const [field = 'id', direction = 'asc'] = part.trim().split(/\s+/);
    return { field, sign: direction.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return [...records].sort((a, b) => {
    for (const { field, sign } of keys) {
      const x = comparable(a[field]);
      const y = comparable(b[field]);
      if (x !== y) return compareValues(x, y) * sign;
    }
    return 0;
  });
}
