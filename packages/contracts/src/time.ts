// Event times are UTC microseconds since the Unix epoch (see proto/kiln/events/v1/common.proto).

export function microsFromDate(date: Date): number {
  return date.getTime() * 1000;
}

export function microsFromMillis(epochMs: number): number {
  return Math.round(epochMs * 1000);
}

export function dateFromMicros(epochUs: number): Date {
  return new Date(Math.floor(epochUs / 1000));
}

/** ISO 8601 with microseconds, e.g. 2026-11-24T06:00:00.000123Z. */
export function isoFromMicros(epochUs: number): string {
  const ms = Math.floor(epochUs / 1000);
  const micros = String(Math.round(epochUs - ms * 1000)).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micros}Z`);
}
