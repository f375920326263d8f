// Raw sample values (contracts `Value`) read as numbers, state codes and texts, and converted to a signal's type.
import type { Value } from '@kiln/contracts';
import type { Signal } from './model';

export type ConvertedValue =
  | {
      readonly ok: true;
      readonly value: Value;
      /** For deadbands: the value when it is a single number. */ readonly numeric?: number;
    }
  | { readonly ok: false; readonly reason: string };

/** A number, an integer, or a flag as 0/1; undefined for texts, arrays and missing values. */
export function numericOf(value: Value | undefined): number | undefined {
  const kind = value?.kind;
  switch (kind?.$case) {
    case 'numberValue':
    case 'intValue':
      return kind.value;
    case 'boolValue':
      return kind.value ? 1 : 0;
    default:
      return undefined;
  }
}

/** The PLC state code as the mapping's `states` keys spell it: `3`, `true`, `E-STOP`. */
export function codeOf(value: Value | undefined): string | undefined {
  const kind = value?.kind;
  switch (kind?.$case) {
    case 'numberValue':
    case 'intValue':
    case 'boolValue':
      return String(kind.value);
    case 'stringValue':
      return kind.value.trim();
    default:
      return undefined;
  }
}

/** A text for an order number (numbers become their decimal text); undefined for flags, arrays and no value. */
export function textOf(value: Value | undefined): string | undefined {
  const kind = value?.kind;
  if (kind?.$case === 'stringValue') return kind.value.trim();
  if (kind?.$case === 'numberValue' || kind?.$case === 'intValue') return String(kind.value);
  return undefined;
}

/**
 * Whether two raw values count as the same reading for duplicate detection: the same kind and the same content,
 * numbers equal as their decimal texts are (so -0 is 0 and NaN is NaN). Compared in place, nothing is built.
 */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  const x = a?.kind;
  const y = b?.kind;
  if (x === undefined || y === undefined) return x === y;
  switch (x.$case) {
    case 'numberValue':
      return y.$case === 'numberValue' && sameNumber(x.value, y.value);
    case 'intValue':
      return y.$case === 'intValue' && sameNumber(x.value, y.value);
    case 'boolValue':
      return y.$case === 'boolValue' && x.value === y.value;
    case 'stringValue':
      return y.$case === 'stringValue' && x.value === y.value;
    case 'arrayValue': {
      if (y.$case !== 'arrayValue') return false;
      const xs = x.value.values;
      const ys = y.value.values;
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i += 1) if (!sameNumber(xs[i] ?? 0, ys[i] ?? 0)) return false;
      return true;
    }
  }
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

export function describeKind(value: Value | undefined): string {
  return value?.kind?.$case.replace('Value', '') ?? 'no value';
}

/** The raw value in the signal's type and unit; `transform` applies scale, offset and unit conversion. */
export function convertToSignal(
  value: Value | undefined,
  signal: Signal,
  transform: (raw: number) => number,
): ConvertedValue {
  const kind = value?.kind;
  if (kind === undefined) return { ok: false, reason: 'the sample has no value' };
  const mismatch = (): ConvertedValue => ({
    ok: false,
    reason: `a ${describeKind(value)} value cannot feed ${signal.type} signal '${signal.name}'`,
  });
  switch (signal.type) {
    case 'number':
    case 'integer': {
      const raw = numericOf(value);
      if (raw === undefined) return mismatch();
      const converted = transform(raw);
      if (!Number.isFinite(converted)) return { ok: false, reason: `value ${raw} converts to ${converted}` };
      if (signal.type === 'number')
        return { ok: true, value: { kind: { $case: 'numberValue', value: converted } }, numeric: converted };
      const rounded = Math.round(converted);
      return { ok: true, value: { kind: { $case: 'intValue', value: rounded } }, numeric: rounded };
    }
    case 'boolean':
      if (kind.$case === 'boolValue') return { ok: true, value: { kind } };
      if (kind.$case === 'numberValue' || kind.$case === 'intValue') {
        return { ok: true, value: { kind: { $case: 'boolValue', value: kind.value !== 0 } } };
      }
      return mismatch();
    case 'string': {
      if (kind.$case === 'stringValue') return { ok: true, value: { kind } };
      if (kind.$case === 'arrayValue') return mismatch();
      return { ok: true, value: { kind: { $case: 'stringValue', value: String(kind.value) } } };
    }
    case 'array': {
      if (kind.$case !== 'arrayValue') return mismatch();
      const values = kind.value.values.map(transform);
      if (!values.every(Number.isFinite))
        return { ok: false, reason: 'an array element converts to a non-finite number' };
      return { ok: true, value: { kind: { $case: 'arrayValue', value: { values } } } };
    }
  }
}
