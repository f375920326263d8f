// Event times are UTC microseconds since the Unix epoch (see proto/kiln/events/v1/common.proto); the kiln.v1
// query API carries google.protobuf.Timestamp instead, as gRPC clients in every language expect.
import type { Timestamp } from './gen/google/protobuf/timestamp';

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

/** The API's Timestamp of an event time; exact for every microsecond time a number holds. */
export function timestampFromMicros(epochUs: number): Timestamp {
  const seconds = Math.floor(epochUs / 1_000_000);
  return { seconds, nanos: Math.round(epochUs - seconds * 1_000_000) * 1000 };
}

/** The event time of an API Timestamp; nanoseconds below a microsecond are cut off (towards the past). */
export function microsFromTimestamp(timestamp: Timestamp): number {
  return timestamp.seconds * 1_000_000 + Math.floor(timestamp.nanos / 1000);
}
