// Source timestamps in JSON payloads: ISO 8601 strings or epoch numbers, to µs since the Unix epoch (UTC).

export type TimestampFormat = 'auto' | 'iso' | 'epoch-ms' | 'epoch-s' | 'epoch-us';

export type SourceTimeResult =
  { readonly ok: true; readonly timeUs: number } | { readonly ok: false; readonly error: string };

// Date and time, optional seconds and fraction, optional zone; `T` or a space between date and time.
const ISO_8601 =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH_DIGITS = /^-?\d+(\.\d+)?$/;
const UNIT_TO_US = { 'epoch-ms': 1_000, 'epoch-s': 1_000_000, 'epoch-us': 1 } as const;

/** Reads a timestamp taken from a payload; the error names the value and the expected format. */
export function parseSourceTime(value: unknown, format: TimestampFormat): SourceTimeResult {
  if (format === 'auto') {
    if (typeof value === 'number') return parseEpoch(value, 'epoch-ms');
    if (typeof value === 'string') {
      return EPOCH_DIGITS.test(value.trim()) ? parseEpoch(Number(value), 'epoch-ms') : parseIso(value);
    }
    return {
      ok: false,
      error: `timestamp ${describe(value)} is neither epoch milliseconds nor an ISO 8601 string`,
    };
  }
  if (format === 'iso') {
    return typeof value === 'string'
      ? parseIso(value)
      : { ok: false, error: `timestamp ${describe(value)} is not an ISO 8601 string` };
  }
  if (typeof value === 'number') return parseEpoch(value, format);
  if (typeof value === 'string' && EPOCH_DIGITS.test(value.trim())) return parseEpoch(Number(value), format);
  return {
    ok: false,
    error: `timestamp ${describe(value)} is not a number of ${format.slice('epoch-'.length)}`,
  };
}

function parseEpoch(value: number, format: keyof typeof UNIT_TO_US): SourceTimeResult {
  const timeUs = Math.round(value * UNIT_TO_US[format]);
  if (!Number.isFinite(value) || !Number.isSafeInteger(timeUs)) {
    return { ok: false, error: `timestamp ${value} is out of range for ${format}` };
  }
  return { ok: true, timeUs };
}

function parseIso(text: string): SourceTimeResult {
  const match = ISO_8601.exec(text.trim());
  if (match === null)
    return { ok: false, error: `timestamp "${text}" is not ISO 8601 (e.g. 2024-05-01T06:00:00.123Z)` };
  const [, date = '', hoursMinutes = '', seconds = '00', fraction = '', zone] = match;
  // No zone: UTC, as every time in Kiln is (docs/architecture.md section 5); Date.parse would take local time instead.
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : normaliseOffset(zone);
  const wholeMs = Date.parse(`${date}T${hoursMinutes}:${seconds}${offset}`);
  if (Number.isNaN(wholeMs)) return { ok: false, error: `timestamp "${text}" is not a valid date and time` };
  // Date keeps milliseconds only; the fraction is added here so microseconds survive.
  const fractionUs = Number(fraction.padEnd(6, '0').slice(0, 6));
  return { ok: true, timeUs: wholeMs * 1000 + fractionUs };
}

function normaliseOffset(zone: string): string {
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
