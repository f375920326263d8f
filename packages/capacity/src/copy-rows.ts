// Telemetry-shaped rows (time, signal_id, value, value_text null, quality) in PostgreSQL's COPY formats, for the
// reference limit of the database: what COPY puts into a table like telemetry on this server.

/** PostgreSQL's timestamptz epoch, 2000-01-01, in Unix microseconds. */
const PG_EPOCH_US = 946_684_800_000_000n;
const BINARY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export interface RowRange {
  /** Rows are (firstTimeUs + i, signal i % signals). */
  readonly firstTimeUs: number;
  readonly count: number;
  readonly signals: number;
}

/** COPY text format: tab-separated, \N for NULL. */
export function textRows(range: RowRange): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < range.count; i += 1) {
    const time = new Date((range.firstTimeUs + i) / 1000).toISOString();
    lines.push(`${time}\t${i % range.signals}\t${(i % 97) + 0.5}\t\\N\t1\n`);
  }
  return Buffer.from(lines.join(''));
}

const BYTES_PER_BINARY_ROW = 2 + (4 + 8) + (4 + 4) + (4 + 8) + 4 + (4 + 2);

/** COPY binary format (PostgreSQL docs, COPY, Binary Format): header, one tuple per row, trailer. */
export function binaryRows(range: RowRange, withHeader: boolean, withTrailer: boolean): Buffer {
  const header = withHeader ? BINARY_SIGNATURE.length + 8 : 0;
  const buffer = Buffer.alloc(header + range.count * BYTES_PER_BINARY_ROW + (withTrailer ? 2 : 0));
  let at = 0;
  if (withHeader) {
    at += BINARY_SIGNATURE.copy(buffer, 0);
    at = buffer.writeInt32BE(0, at); // flags
    at = buffer.writeInt32BE(0, at); // header extension length
  }
  for (let i = 0; i < range.count; i += 1) {
    at = buffer.writeInt16BE(5, at);
    at = buffer.writeInt32BE(8, at);
    at = buffer.writeBigInt64BE(BigInt(range.firstTimeUs + i) - PG_EPOCH_US, at);
    at = buffer.writeInt32BE(4, at);
    at = buffer.writeInt32BE(i % range.signals, at);
    at = buffer.writeInt32BE(8, at);
    at = buffer.writeDoubleBE((i % 97) + 0.5, at);
    at = buffer.writeInt32BE(-1, at); // value_text NULL
    at = buffer.writeInt32BE(2, at);
    at = buffer.writeInt16BE(1, at);
  }
  if (withTrailer) buffer.writeInt16BE(-1, at);
  return buffer;
}
