// The few Sparkplug B payloads the bench's edge nodes send (Sparkplug 3.0, 6.4: sparkplug_b.proto), written
// directly as protobuf, and the one they read (an NCMD rebirth request). The generator's CPU is measured beside
// the services', so it writes each message in one pass into a buffer instead of building protobufjs objects; and
// @kiln/capacity needs no codec package for it. Pure.

/** Sparkplug 3.0, 6.4.16: the datatypes the bench uses. */
export const DataType = { Int64: 4, Double: 10, Boolean: 11 } as const;

export type MetricValue =
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'long'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean };

export interface MetricToWrite {
  readonly name?: string;
  readonly alias?: number;
  readonly timestampMs?: number;
  readonly datatype?: number;
  readonly value: MetricValue;
}

export interface PayloadToWrite {
  readonly timestampMs: number;
  readonly seq?: number;
  readonly metrics: readonly MetricToWrite[];
}

export const REBIRTH_METRIC = 'Node Control/Rebirth';

// Field tags, (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
const PAYLOAD_TIMESTAMP = 0x08;
const PAYLOAD_METRIC = 0x12;
const PAYLOAD_SEQ = 0x18;
const METRIC_NAME = 0x0a;
const METRIC_ALIAS = 0x10;
const METRIC_TIMESTAMP = 0x18;
const METRIC_DATATYPE = 0x20;
const METRIC_LONG = 0x58;
const METRIC_DOUBLE = 0x69;
const METRIC_BOOLEAN = 0x70;

/** Bytes of an unsigned varint; values are whole numbers below 2^53 (epoch ms, aliases, seq). */
export function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size += 1;
  return size;
}

function metricSize(metric: MetricToWrite): number {
  let size = 0;
  if (metric.name !== undefined) {
    const length = Buffer.byteLength(metric.name);
    size += 1 + varintSize(length) + length;
  }
  if (metric.alias !== undefined) size += 1 + varintSize(metric.alias);
  if (metric.timestampMs !== undefined) size += 1 + varintSize(metric.timestampMs);
  if (metric.datatype !== undefined) size += 1 + varintSize(metric.datatype);
  const { value } = metric;
  if (value.kind === 'double') size += 1 + 8;
  else if (value.kind === 'long') size += 1 + varintSize(value.value);
  else size += 1 + 1;
  return size;
}

class Writer {
  private position = 0;

  constructor(private readonly bytes: Buffer) {}

  byte(value: number): void {
    this.bytes[this.position] = value;
    this.position += 1;
  }

  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  double(value: number): void {
    this.bytes.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  text(value: string): void {
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.bytes.write(value, this.position, 'utf8');
    this.position += length;
  }

  get written(): number {
    return this.position;
  }
}

function writeMetric(writer: Writer, metric: MetricToWrite): void {
  if (metric.name !== undefined) {
    writer.byte(METRIC_NAME);
    writer.text(metric.name);
  }
  if (metric.alias !== undefined) {
    writer.byte(METRIC_ALIAS);
    writer.varint(metric.alias);
  }
  if (metric.timestampMs !== undefined) {
    writer.byte(METRIC_TIMESTAMP);
    writer.varint(metric.timestampMs);
  }
  if (metric.datatype !== undefined) {
    writer.byte(METRIC_DATATYPE);
    writer.varint(metric.datatype);
  }
  const { value } = metric;
  if (value.kind === 'double') {
    writer.byte(METRIC_DOUBLE);
    writer.double(value.value);
  } else if (value.kind === 'long') {
    writer.byte(METRIC_LONG);
    writer.varint(value.value);
  } else {
    writer.byte(METRIC_BOOLEAN);
    writer.byte(value.value ? 1 : 0);
  }
}

/** A Sparkplug B payload as protobuf bytes (fields in field-number order, as protobufjs writes them). */
export function encodePayload(payload: PayloadToWrite): Buffer {
  const sizes = payload.metrics.map(metricSize);
  let size = 1 + varintSize(payload.timestampMs);
  for (const metricBytes of sizes) size += 1 + varintSize(metricBytes) + metricBytes;
  if (payload.seq !== undefined) size += 1 + varintSize(payload.seq);
  const bytes = Buffer.allocUnsafe(size);
  const writer = new Writer(bytes);
  writer.byte(PAYLOAD_TIMESTAMP);
  writer.varint(payload.timestampMs);
  payload.metrics.forEach((metric, i) => {
    writer.byte(PAYLOAD_METRIC);
    writer.varint(sizes[i] ?? 0);
    writeMetric(writer, metric);
  });
  if (payload.seq !== undefined) {
    writer.byte(PAYLOAD_SEQ);
    writer.varint(payload.seq);
  }
  if (writer.written !== size) throw new Error(`Sparkplug payload: wrote ${writer.written} of ${size} bytes`);
  return bytes;
}

/** A protobuf read error: the bytes are not the Sparkplug B payload they claim to be. */
export class PayloadReadError extends Error {}

class Reader {
  position = 0;

  constructor(
    private readonly bytes: Uint8Array,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.position >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i += 1) {
      if (this.position >= this.end) throw new PayloadReadError('truncated varint');
      const byte = this.bytes[this.position] ?? 0;
      this.position += 1;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new PayloadReadError('varint longer than 10 bytes');
  }

  /** Skips the value of a field of the wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.advance(this.varint());
    else if (wireType === 5) this.advance(4);
    else throw new PayloadReadError(`wire type ${wireType} is not used by sparkplug_b.proto`);
  }

  advance(count: number): void {
    if (this.position + count > this.end) throw new PayloadReadError('truncated field');
    this.position += count;
  }

  sub(): Reader {
    const length = this.varint();
    const start = this.position;
    this.advance(length);
    const reader = new Reader(this.bytes, start + length);
    reader.position = start;
    return reader;
  }

  text(): string {
    const length = this.varint();
    const start = this.position;
    this.advance(length);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString('utf8');
  }
}

/**
 * Whether an NCMD payload asks for a rebirth: a metric `Node Control/Rebirth` (by name; the bench's edge nodes
 * give it no alias) with the boolean value true (Sparkplug 3.0, 6.4.17 and 7.2).
 */
export function asksRebirth(payload: Uint8Array): boolean {
  const reader = new Reader(payload);
  while (!reader.done) {
    const tag = reader.varint();
    if (tag !== PAYLOAD_METRIC) {
      reader.skip(tag & 7);
      continue;
    }
    const metric = reader.sub();
    let name: string | undefined;
    let value: boolean | undefined;
    while (!metric.done) {
      const field = metric.varint();
      if (field === METRIC_NAME) name = metric.text();
      else if (field === METRIC_BOOLEAN) value = metric.varint() !== 0;
      else metric.skip(field & 7);
    }
    if (name === REBIRTH_METRIC && value === true) return true;
  }
  return false;
}
