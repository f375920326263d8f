// OData v2 JSON values as SAP Gateway writes and reads them: Edm.DateTime `/Date(ms)/`, Edm.DateTimeOffset
// `/Date(ms+0000)/`, Edm.Time `PT08H30M00S`, Edm.Decimal as a string. Pure functions.
const DAY_MS = 86_400_000;

/** Epoch ms of an Edm.DateTime / Edm.DateTimeOffset value; undefined for null, '' or anything else. */
export function parseEdmDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)\/$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  // The offset of an Edm.DateTimeOffset is informative: the number is already UTC.
  return Number(match[1]);
}

/** Milliseconds since midnight of an Edm.Time value. */
export function parseEdmTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value);
  if (match === null) return undefined;
  return Math.round(
    (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000,
  );
}

/** A date field plus its time field (SAP splits them) as epoch ms; undefined when the date is empty. */
export function combineDateTime(date: unknown, time: unknown): number | undefined {
  const day = parseEdmDateTime(date);
  if (day === undefined) return undefined;
  return day + (parseEdmTime(time) ?? 0);
}

export function formatEdmDate(ms: number): string {
  return `/Date(${Math.floor(ms / DAY_MS) * DAY_MS})/`;
}

export function formatEdmTime(ms: number): string {
  const second = Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `PT${pad(Math.floor(second / 3600))}H${pad(Math.floor(second / 60) % 60)}M${pad(second % 60)}S`;
}

export function formatEdmDecimal(value: number, decimals = 3): string {
  return value.toFixed(decimals);
}

/** A string literal of $filter: quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Edm.Guid literal where the value is a UUID, else a string literal. */
export function odataGuidOrString(value: string): string {
  return isUuid(value) ? `guid'${value}'` : odataString(value);
}

/** Seconds per unit of SAP time units (internal and ISO codes). */
export const SECONDS_PER_TIME_UNIT: Readonly<Record<string, number>> = {
  S: 1,
  SEC: 1,
  MIN: 60,
  H: 3600,
  HR: 3600,
  HUR: 3600,
  D: 86_400,
  DAY: 86_400,
};
