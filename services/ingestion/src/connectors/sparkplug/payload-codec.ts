// Sparkplug B payloads on the wire, through the Eclipse Tahu codec (`sparkplug-payload`), as plain typed data.
//
// Decoding uses the package's generated protobuf class rather than its `decodePayload`: that helper reads a
// metric's value by the metric's own `datatype`, and Sparkplug 3.0 edge nodes leave the datatype out of
// NDATA/DDATA ("SHOULD NOT be included", spec 6.4.16), so it would turn every such value into null. Here the
// value is kept as the protobuf field it came in; `metric-value.ts` reads it with the datatype from the birth.
import { get as getSparkplugCodec } from 'sparkplug-payload';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';

const ProtoPayload = org.eclipse.tahu.protobuf.Payload;

/** A metric's value as it was carried: which protobuf field, unconverted. Integers are unsigned on the wire. */
export type MetricWireValue =
  | { readonly field: 'int'; readonly value: number }
  | { readonly field: 'long'; readonly value: bigint }
  | { readonly field: 'float'; readonly value: number }
  | { readonly field: 'double'; readonly value: number }
  | { readonly field: 'boolean'; readonly value: boolean }
  | { readonly field: 'string'; readonly value: string }
  | { readonly field: 'bytes'; readonly value: Uint8Array }
  /** DataSet, Template or extension values, which Kiln does not read. */
  | { readonly field: 'structured'; readonly name: string }
  | { readonly field: 'none' };

export interface SparkplugMetric {
  readonly name?: string;
  readonly alias?: bigint;
  readonly timestampMs?: number;
  /** Sparkplug datatype code (spec 6.4.16); absent where the edge node left it out. */
  readonly datatype?: number;
  readonly isNull: boolean;
  readonly value: MetricWireValue;
}

export interface SparkplugPayload {
  readonly timestampMs?: number;
  readonly seq?: number;
  readonly metrics: readonly SparkplugMetric[];
}

interface LongLike {
  readonly low: number;
  readonly high: number;
}

type ProtoMetric = org.eclipse.tahu.protobuf.Payload.IMetric;

/** Bytes that are not a Sparkplug B payload: truncated, not protobuf, or nested too deep to read. */
export class SparkplugDecodeError extends Error {
  override readonly name = 'SparkplugDecodeError';
}

/** Decodes a Sparkplug B payload; throws SparkplugDecodeError when the bytes are not one. */
export function decodeSparkplugPayload(bytes: Uint8Array): SparkplugPayload {
  let decoded: org.eclipse.tahu.protobuf.Payload;
  try {
    decoded = ProtoPayload.decode(bytes);
  } catch (error) {
    // protobufjs throws RangeError for truncated fields and, for templates nested thousands deep, the stack's own
    // RangeError: either way the payload cannot be read.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SparkplugDecodeError(
      `payload of ${bytes.byteLength} bytes is not a Sparkplug B Payload: ${reason}`,
      {
        cause: error,
      },
    );
  }
  const metrics = (decoded.metrics ?? []).map(toMetric);
  const timestamp = has(decoded, 'timestamp') ? optionalNumber(decoded.timestamp) : undefined;
  const seq = has(decoded, 'seq') ? optionalNumber(decoded.seq) : undefined;
  return {
    metrics,
    ...(timestamp === undefined ? {} : { timestampMs: timestamp }),
    ...(seq === undefined ? {} : { seq }),
  };
}

function toMetric(metric: ProtoMetric): SparkplugMetric {
  const name = has(metric, 'name') && typeof metric.name === 'string' ? metric.name : undefined;
  const alias = has(metric, 'alias') ? optionalBigInt(metric.alias) : undefined;
  const timestamp = has(metric, 'timestamp') ? optionalNumber(metric.timestamp) : undefined;
  const datatype =
    has(metric, 'datatype') && typeof metric.datatype === 'number' && metric.datatype !== 0
      ? metric.datatype
      : undefined;
  return {
    ...(name === undefined ? {} : { name }),
    ...(alias === undefined ? {} : { alias }),
    ...(timestamp === undefined ? {} : { timestampMs: timestamp }),
    ...(datatype === undefined ? {} : { datatype }),
    isNull: metric.isNull === true,
    value: wireValue(metric),
  };
}

function wireValue(metric: ProtoMetric): MetricWireValue {
  if (has(metric, 'intValue') && typeof metric.intValue === 'number')
    return { field: 'int', value: metric.intValue >>> 0 };
  if (has(metric, 'longValue')) {
    const value = optionalBigInt(metric.longValue);
    if (value !== undefined) return { field: 'long', value };
  }
  if (has(metric, 'floatValue') && typeof metric.floatValue === 'number')
    return { field: 'float', value: metric.floatValue };
  if (has(metric, 'doubleValue') && typeof metric.doubleValue === 'number')
    return { field: 'double', value: metric.doubleValue };
  if (has(metric, 'booleanValue') && typeof metric.booleanValue === 'boolean')
    return { field: 'boolean', value: metric.booleanValue };
  if (has(metric, 'stringValue') && typeof metric.stringValue === 'string')
    return { field: 'string', value: metric.stringValue };
  if (has(metric, 'bytesValue') && metric.bytesValue instanceof Uint8Array)
    return { field: 'bytes', value: metric.bytesValue };
  for (const field of ['datasetValue', 'templateValue', 'extensionValue'] as const) {
    if (has(metric, field) && metric[field] != null) return { field: 'structured', name: field };
  }
  return { field: 'none' };
}

/** The NCMD payload that asks an edge node to publish its births again (spec 6.4.7, `Node Control/Rebirth`). */
export function encodeRebirthCommand(timestampMs: number): Uint8Array {
  return sparkplugCodec().encodePayload({
    timestamp: timestampMs,
    metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
  });
}

function sparkplugCodec(): NonNullable<ReturnType<typeof getSparkplugCodec>> {
  const codec = getSparkplugCodec('spBv1.0');
  if (codec === null)
    throw new Error('sparkplug-payload has no codec for spBv1.0; check the installed version');
  return codec;
}

function has(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** An unsigned 64-bit protobuf field (number or Long) as bigint. */
function optionalBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt.asUintN(64, BigInt(value));
  if (isLongLike(value)) return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return undefined;
}

function optionalNumber(value: unknown): number | undefined {
  const big = optionalBigInt(value);
  return big === undefined ? undefined : Number(big);
}

function isLongLike(value: unknown): value is LongLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { low?: unknown }).low === 'number' &&
    typeof (value as { high?: unknown }).high === 'number'
  );
}
