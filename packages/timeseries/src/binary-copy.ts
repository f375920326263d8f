// PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format") for the
// telemetry table, written straight into Buffers: no object, string or BigInt per sample. Pure, no I/O.
import { InvalidArgumentError } from './sql';

/** `PGCOPY\n\377\r\n\0`, then an int32 flags field and an int32 header-extension length, both 0. */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER_BYTES = SIGNATURE.length + 8;
const TRAILER_BYTES = 2;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in µs since the Unix epoch. */
export const POSTGRES_EPOCH_US = 946_684_800_000_000;
const TWO_TO_32 = 4_294_967_296;
const EPOCH_HIGH = Math.floor(POSTGRES_EPOCH_US / TWO_TO_32);
const EPOCH_LOW = POSTGRES_EPOCH_US - EPOCH_HIGH * TWO_TO_32;
/** The telemetry columns, in the order the encoder writes them. */
export const TELEMETRY_COPY_COLUMNS = '(time, signal_id, value, value_text, quality)';
const FIELDS = 5;
// int16 field count; time int32+int64; signal_id int32+int32; value int32+float8; value_text int32; quality
// int32+int16. The text's bytes come on top.
const FIXED_TUPLE_BYTES = 2 + 12 + 8 + 12 + 4 + 6;
const NULL_LENGTH = -1;
const DEFAULT_PAGE_BYTES = 64 * 1024;

/** Whole µs since the Unix epoch, or an error naming the sample: what a timestamptz column takes here. */
export function checkedMicros(timeUs: number, signalId: number): number {
  const whole = Math.round(timeUs);
  if (!Number.isSafeInteger(whole)) {
    throw new InvalidArgumentError(
      `time of signal ${signalId} must be a finite number of µs within ±2^53, got ${timeUs}`,
    );
  }
  return whole;
}

/**
 * Telemetry tuples in binary COPY format, appended into pages of `pageBytes` (a text longer than a page gets a
 * page of its own size). `finish()` closes the stream and hands out the pages to write, in order.
 */
export class TelemetryCopyEncoder {
  private readonly pages: Buffer[] = [];
  private page: Buffer;
  private offset = 0;
  private rows = 0;
  private finished = false;

  constructor(private readonly pageBytes = DEFAULT_PAGE_BYTES) {
    this.page = Buffer.allocUnsafe(Math.max(pageBytes, HEADER_BYTES));
    SIGNATURE.copy(this.page, 0);
    this.page.writeInt32BE(0, SIGNATURE.length);
    this.page.writeInt32BE(0, SIGNATURE.length + 4);
    this.offset = HEADER_BYTES;
  }

  /** Tuples appended so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** One telemetry row; `timeUs` is rounded to whole µs as the ISO parameters were. */
  add(
    signalId: number,
    timeUs: number,
    value: number | null,
    valueText: string | null,
    quality: number,
  ): void {
    if (this.finished) throw new Error('TelemetryCopyEncoder: add() after finish()');
    const unixUs = checkedMicros(timeUs, signalId);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: room for the worst case, the real length written after.
    const textRoom = valueText === null ? 0 : valueText.length * 3;
    this.reserve(FIXED_TUPLE_BYTES + textRoom);
    const page = this.page;
    let at = this.offset;
    at = page.writeInt16BE(FIELDS, at);
    // int64 µs since 2000 as two int32 halves, the epoch subtracted half by half: `unixUs - POSTGRES_EPOCH_US`
    // as one double would round below -(2^53 - 1) + POSTGRES_EPOCH_US (about 1714).
    let high = Math.floor(unixUs / TWO_TO_32) - EPOCH_HIGH;
    let low = unixUs - Math.floor(unixUs / TWO_TO_32) * TWO_TO_32 - EPOCH_LOW;
    if (low < 0) {
      low += TWO_TO_32;
      high -= 1;
    }
    at = page.writeInt32BE(8, at);
    at = page.writeInt32BE(high, at);
    at = page.writeUInt32BE(low, at);
    at = page.writeInt32BE(4, at);
    at = page.writeInt32BE(signalId, at);
    if (value === null) {
      at = page.writeInt32BE(NULL_LENGTH, at);
    } else {
      at = page.writeInt32BE(8, at);
      // `+ 0` stores -0 as 0, as the text parameters (String(-0) is "0") always did.
      at = page.writeDoubleBE(value + 0, at);
    }
    if (valueText === null) {
      at = page.writeInt32BE(NULL_LENGTH, at);
    } else {
      const bytes = page.write(valueText, at + 4, 'utf8');
      page.writeInt32BE(bytes, at);
      at += 4 + bytes;
    }
    at = page.writeInt32BE(2, at);
    at = page.writeInt16BE(quality, at);
    this.offset = at;
    this.rows += 1;
  }

  /** The whole COPY stream: header, tuples, trailer. The encoder takes no more rows. */
  finish(): Buffer[] {
    if (!this.finished) {
      this.reserve(TRAILER_BYTES);
      this.offset = this.page.writeInt16BE(-1, this.offset);
      this.pages.push(this.page.subarray(0, this.offset));
      this.finished = true;
    }
    return this.pages;
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.page.length) return;
    this.pages.push(this.page.subarray(0, this.offset));
    this.page = Buffer.allocUnsafe(Math.max(this.pageBytes, bytes));
    this.offset = 0;
  }
}
