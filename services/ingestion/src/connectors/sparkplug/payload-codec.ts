// Sparkplug B payloads on the wire, through the Eclipse Tahu codec (`sparkplug-payload`), as plain typed data.
//
// Decoding uses the package's generated protobuf class rather than its `decodePayload`: that helper reads a
// metric's value by the metric's own `datatype`, and Sparkplug 3.0 edge nodes leave the datatype out of
// NDATA/DDATA ("SHOULD NOT be included", spec 6.4.16), so it would turn every such value into null. Here the
// value is kept as the protobuf field it came in; `metric-value.ts` reads it with the datatype from the birth.
// DataSets and Templates are kept as plain structures; a compressed payload (compression.ts) is inflated first.
import { get as getSparkplugCodec } from 'sparkplug-payload';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { COMPRESSED_UUID, compressionAlgorithm, inflateBody } from './compression';

const ProtoPayload = org.eclipse.tahu.protobuf.Payload;

/** A scalar as it was carried: which protobuf field, unconverted. Integers are unsigned on the wire. */
export type ScalarWireValue =
  | { readonly field: 'int'; readonly value: number }
  | { readonly field: 'long'; readonly value: bigint }
  | { readonly field: 'float'; readonly value: number }
  | { readonly field: 'double'; readonly value: number }
  | { readonly field: 'boolean'; readonly value: boolean }
  | { readonly field: 'string'; readonly value: string };

/** One DataSet cell: a scalar, `none` for a null cell, `extension` for a vendor extension. */
export type DataSetWireValue = ScalarWireValue | { readonly field: 'none' } | { readonly field: 'extension' };

export interface SparkplugDataSet {
  readonly columns: readonly string[];
  /** Sparkplug datatype code per column (basic types, spec 6.4.16). */
  readonly types: readonly number[];
  readonly rows: readonly (readonly DataSetWireValue[])[];
}

export interface SparkplugTemplate {
  readonly isDefinition: boolean;
  /** The definition an instance is of (spec 6.4.12: the name of the definition's metric). */
  readonly templateRef?: string;
  readonly version?: string;
  readonly members: readonly SparkplugMetric[];
}

/** A metric's value as it was carried: which protobuf field, unconverted. */
export type MetricWireValue =
  | ScalarWireValue
  | { readonly field: 'bytes'; readonly value: Uint8Array }
  | { readonly field: 'dataset'; readonly value: SparkplugDataSet }
  | { readonly field: 'template'; readonly value: SparkplugTemplate }
  /** A Template nested deeper than MAX_TEMPLATE_DEPTH: not read. */
  | { readonly field: 'too-deep' }
  | { readonly field: 'extension' }
  | { readonly field: 'none' };

export interface SparkplugMetric {
  readonly name?: string;
  readonly alias?: bigint;
  readonly timestampMs?: number;
  /** Sparkplug datatype code (spec 6.4.16); absent where the edge node left it out. */
  readonly datatype?: number;
  readonly isNull: boolean;
  /** Spec 6.4.6: a value acquired earlier (store and forward), not the metric's current value. */
  readonly isHistorical?: boolean;
  /** Spec 6.4.6: of interest to a host application but not to be stored in a historian. */
  readonly isTransient?: boolean;
  readonly value: MetricWireValue;
}

export interface SparkplugPayload {
  readonly timestampMs?: number;
  readonly seq?: number;
  readonly metrics: readonly SparkplugMetric[];
}

export interface DecodeOptions {
  /** Largest inflated size of a compressed payload, in bytes. */
  readonly maxDecompressedBytes: number;
}

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = { maxDecompressedBytes: 8 * 1024 * 1024 };

/** How deep Templates may nest (a Template member that is a Template ...); deeper ones are not read. */
export const MAX_TEMPLATE_DEPTH = 16;

interface LongLike {
  readonly low: number;
  readonly high: number;
}

type ProtoMetric = org.eclipse.tahu.protobuf.Payload.IMetric;
type ProtoDataSet = org.eclipse.tahu.protobuf.Payload.IDataSet;
type ProtoDataSetValue = org.eclipse.tahu.protobuf.Payload.DataSet.IDataSetValue;
type ProtoTemplate = org.eclipse.tahu.protobuf.Payload.ITemplate;

/** Why bytes could not be read as a payload: the reject cause (DLQ header and metric label). */
export type DecodeFailureCause =
  'undecodable-protobuf' | 'undecodable-compression' | 'decompressed-too-large';

/** Bytes that are not a Sparkplug B payload: truncated, not protobuf, nested too deep, or not inflatable. */
export class SparkplugDecodeError extends Error {
  override readonly name = 'SparkplugDecodeError';

  constructor(
    message: string,
    readonly reason: DecodeFailureCause = 'undecodable-protobuf',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Decodes a Sparkplug B payload, inflating a compressed one; throws SparkplugDecodeError when it is not one. */
export function decodeSparkplugPayload(
  bytes: Uint8Array,
  options: DecodeOptions = DEFAULT_DECODE_OPTIONS,
): SparkplugPayload {
  const outer = decodeProto(bytes, `payload of ${bytes.byteLength} bytes`);
  if (!(has(outer, 'uuid') && outer.uuid === COMPRESSED_UUID)) return toPayload(outer);
  const declared = (outer.metrics ?? []).find((metric) => metric.name === 'algorithm');
  const text = declared === undefined ? undefined : (declared.stringValue ?? '');
  const algorithm = compressionAlgorithm(text);
  const where = `compressed payload of ${bytes.byteLength} bytes`;
  if (algorithm === undefined) {
    throw new SparkplugDecodeError(
      `${where} names algorithm "${text ?? ''}"; DEFLATE or GZIP expected`,
      'undecodable-compression',
    );
  }
  const body = outer.body ?? new Uint8Array();
  const inflated = inflateBody(algorithm, body, options.maxDecompressedBytes);
  if (!inflated.ok) throw new SparkplugDecodeError(`${where}: ${inflated.error}`, inflated.cause);
  const inner = decodeProto(inflated.bytes, `${where}, inflated to ${inflated.bytes.byteLength} bytes,`);
  if (has(inner, 'uuid') && inner.uuid === COMPRESSED_UUID) {
    throw new SparkplugDecodeError(`${where} holds another compressed payload`, 'undecodable-compression');
  }
  return toPayload(inner);
}

function decodeProto(bytes: Uint8Array, what: string): org.eclipse.tahu.protobuf.Payload {
  try {
    return ProtoPayload.decode(bytes);
  } catch (error) {
    // protobufjs throws RangeError for truncated fields and, for templates nested thousands deep, the stack's own
    // RangeError: either way the payload cannot be read.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SparkplugDecodeError(
      `${what} is not a Sparkplug B Payload: ${reason}`,
      'undecodable-protobuf',
      {
        cause: error,
      },
    );
  }
}

function toPayload(decoded: org.eclipse.tahu.protobuf.Payload): SparkplugPayload {
  const metrics = (decoded.metrics ?? []).map((metric) => toMetric(metric, 0));
  const timestamp = has(decoded, 'timestamp') ? optionalNumber(decoded.timestamp) : undefined;
  const seq = has(decoded, 'seq') ? optionalNumber(decoded.seq) : undefined;
  return {
    metrics,
    ...(timestamp === undefined ? {} : { timestampMs: timestamp }),
    ...(seq === undefined ? {} : { seq }),
  };
}

function toMetric(metric: ProtoMetric, depth: number): SparkplugMetric {
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
    ...(metric.isHistorical === true ? { isHistorical: true } : {}),
    ...(metric.isTransient === true ? { isTransient: true } : {}),
    value: wireValue(metric, depth),
  };
}

function wireValue(metric: ProtoMetric, depth: number): MetricWireValue {
  const scalar = scalarValue(metric);
  if (scalar !== undefined) return scalar;
  if (has(metric, 'bytesValue') && metric.bytesValue instanceof Uint8Array)
    return { field: 'bytes', value: metric.bytesValue };
  if (has(metric, 'datasetValue') && metric.datasetValue != null)
    return { field: 'dataset', value: toDataSet(metric.datasetValue) };
  if (has(metric, 'templateValue') && metric.templateValue != null) {
    if (depth >= MAX_TEMPLATE_DEPTH) return { field: 'too-deep' };
    return { field: 'template', value: toTemplate(metric.templateValue, depth + 1) };
  }
  if (has(metric, 'extensionValue') && metric.extensionValue != null) return { field: 'extension' };
  return { field: 'none' };
}

/** The scalar oneof fields Metric and DataSetValue share. */
function scalarValue(holder: ProtoMetric | ProtoDataSetValue): ScalarWireValue | undefined {
  if (has(holder, 'intValue') && typeof holder.intValue === 'number')
    return { field: 'int', value: holder.intValue >>> 0 };
  if (has(holder, 'longValue')) {
    const value = optionalBigInt(holder.longValue);
    if (value !== undefined) return { field: 'long', value };
  }
  if (has(holder, 'floatValue') && typeof holder.floatValue === 'number')
    return { field: 'float', value: holder.floatValue };
  if (has(holder, 'doubleValue') && typeof holder.doubleValue === 'number')
    return { field: 'double', value: holder.doubleValue };
  if (has(holder, 'booleanValue') && typeof holder.booleanValue === 'boolean')
    return { field: 'boolean', value: holder.booleanValue };
  if (has(holder, 'stringValue') && typeof holder.stringValue === 'string')
    return { field: 'string', value: holder.stringValue };
  return undefined;
}

function toDataSet(dataset: ProtoDataSet): SparkplugDataSet {
  return {
    columns: [...(dataset.columns ?? [])],
    types: [...(dataset.types ?? [])],
    rows: (dataset.rows ?? []).map((row) =>
      (row.elements ?? []).map((element): DataSetWireValue => {
        const scalar = scalarValue(element);
        if (scalar !== undefined) return scalar;
        return has(element, 'extensionValue') && element.extensionValue != null
          ? { field: 'extension' }
          : { field: 'none' };
      }),
    ),
  };
}

function toTemplate(template: ProtoTemplate, depth: number): SparkplugTemplate {
  const templateRef =
    has(template, 'templateRef') && typeof template.templateRef === 'string'
      ? template.templateRef
      : undefined;
  const version =
    has(template, 'version') && typeof template.version === 'string' ? template.version : undefined;
  return {
    isDefinition: template.isDefinition === true,
    ...(templateRef === undefined ? {} : { templateRef }),
    ...(version === undefined ? {} : { version }),
    members: (template.metrics ?? []).map((member) => toMetric(member, depth)),
  };
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
