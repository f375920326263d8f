// One metric of every Sparkplug 3.0 datatype (spec 6.4.16), encoded with the Tahu protobuf classes Kiln decodes
// with, and what Kiln must make of each: samples (tag -> value as kiln.raw.v1 carries it: bigint for int_value,
// arrays for array_value) or a dead letter with its cause. Array cases use the spec's own examples ("Array
// Types"). Shared by the unit tests and the acceptance test through Mosquitto and Kafka.
import { deflateSync, gzipSync } from 'node:zlib';
import Long from 'long';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { SparkplugDataType as T } from '../../src/connectors/sparkplug/metric-value';

export const ProtoPayload = org.eclipse.tahu.protobuf.Payload;
export type ProtoMetric = org.eclipse.tahu.protobuf.Payload.IMetric;

export type ExpectedValue = number | bigint | boolean | string | readonly number[];

export interface DatatypeCase {
  readonly datatype: keyof typeof T;
  /** The metric as the birth carries it: name, alias, datatype, value. */
  readonly metric: ProtoMetric;
  /** The samples it becomes, tag -> value; or the cause it is dead-lettered with. */
  readonly samples?: Readonly<Record<string, ExpectedValue>>;
  readonly cause?: string;
}

const le = (bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const longOf = (value: string, unsigned = false): Long => Long.fromString(value, unsigned);

/** Template definitions of the NBIRTH: Motor has a nested Nameplate. */
export const TEMPLATE_DEFINITIONS: ProtoMetric[] = [
  {
    name: 'Nameplate',
    datatype: T.Template,
    templateValue: {
      isDefinition: true,
      metrics: [{ name: 'Serial', datatype: T.String, stringValue: '' }],
    },
  },
  {
    name: 'Motor',
    datatype: T.Template,
    templateValue: {
      isDefinition: true,
      version: '1.0',
      parameters: [{ name: 'RatedKw', type: T.Float, floatValue: 0 }],
      metrics: [
        { name: 'Speed', datatype: T.Float, floatValue: 0 },
        { name: 'Running', datatype: T.Boolean, booleanValue: false },
        {
          name: 'Plate',
          datatype: T.Template,
          templateValue: { isDefinition: false, templateRef: 'Nameplate', metrics: [] },
        },
      ],
    },
  },
];

let nextAlias = 100;
const metric = (name: string, datatype: number, value: ProtoMetric): ProtoMetric => ({
  name,
  alias: (nextAlias += 1),
  datatype,
  ...value,
});

export const DATATYPE_CASES: readonly DatatypeCase[] = [
  { datatype: 'Int8', metric: metric('I8', T.Int8, { intValue: -5 >>> 0 }), samples: { I8: -5 } },
  { datatype: 'Int16', metric: metric('I16', T.Int16, { intValue: -300 >>> 0 }), samples: { I16: -300 } },
  { datatype: 'Int32', metric: metric('I32', T.Int32, { intValue: -70000 >>> 0 }), samples: { I32: -70000 } },
  {
    datatype: 'Int64',
    metric: metric('I64', T.Int64, { longValue: longOf('-9007199254740991') }),
    samples: { I64: -9007199254740991n },
  },
  { datatype: 'UInt8', metric: metric('U8', T.UInt8, { intValue: 250 }), samples: { U8: 250 } },
  { datatype: 'UInt16', metric: metric('U16', T.UInt16, { intValue: 65000 }), samples: { U16: 65000 } },
  {
    datatype: 'UInt32',
    metric: metric('U32', T.UInt32, { intValue: 4_000_000_000 }),
    samples: { U32: 4_000_000_000 },
  },
  {
    datatype: 'UInt64',
    metric: metric('U64', T.UInt64, { longValue: longOf('9007199254740991', true) }),
    samples: { U64: 9007199254740991n },
  },
  {
    datatype: 'UInt64',
    metric: metric('U64Big', T.UInt64, { longValue: longOf('18446744073709551615', true) }),
    cause: 'integer-beyond-safe-range',
  },
  { datatype: 'Float', metric: metric('F32', T.Float, { floatValue: 0.1 }), samples: { F32: 0.1 } },
  { datatype: 'Double', metric: metric('F64', T.Double, { doubleValue: 2.5 }), samples: { F64: 2.5 } },
  { datatype: 'Boolean', metric: metric('Flag', T.Boolean, { booleanValue: true }), samples: { Flag: true } },
  {
    datatype: 'String',
    metric: metric('State', T.String, { stringValue: 'running' }),
    samples: { State: 'running' },
  },
  {
    datatype: 'DateTime',
    metric: metric('Started', T.DateTime, { longValue: Long.fromNumber(1741000000000, true) }),
    samples: { Started: 1741000000000 },
  },
  {
    datatype: 'Text',
    metric: metric('Note', T.Text, { stringValue: 'line 1\nline 2' }),
    samples: { Note: 'line 1\nline 2' },
  },
  {
    datatype: 'UUID',
    metric: metric('Batch', T.UUID, { stringValue: '0f8fad5b-d9cb-469f-a165-70867728950e' }),
    samples: { Batch: '0f8fad5b-d9cb-469f-a165-70867728950e' },
  },
  {
    datatype: 'DataSet',
    metric: metric('Recipe', T.DataSet, {
      datasetValue: {
        numOfColumns: Long.fromNumber(3, true),
        columns: ['Step', 'Temp', 'Ok'],
        types: [T.Int32, T.Float, T.Boolean],
        rows: [
          { elements: [{ intValue: 1 }, { floatValue: 180.5 }, { booleanValue: true }] },
          { elements: [{ intValue: 2 }, {}, { booleanValue: false }] },
        ],
      },
    }),
    samples: {
      Recipe:
        '{"columns":["Step","Temp","Ok"],"types":["Int32","Float","Boolean"],"rows":[[1,180.5,true],[2,null,false]]}',
    },
  },
  {
    datatype: 'Bytes',
    metric: metric('Blob', T.Bytes, { bytesValue: le([1, 2, 3, 255]) }),
    samples: { Blob: 'AQID/w==' },
  },
  {
    datatype: 'Bytes',
    metric: metric('Oversized', T.Bytes, { bytesValue: new Uint8Array(4000).fill(7) }),
    cause: 'value-too-large',
  },
  {
    datatype: 'File',
    metric: metric('Report', T.File, {
      bytesValue: Buffer.from('hello'),
      metadata: { fileName: 'report.txt', fileType: 'txt' },
    }),
    samples: { Report: 'aGVsbG8=' },
  },
  {
    datatype: 'Template',
    metric: metric('Motor1', T.Template, {
      templateValue: {
        isDefinition: false,
        templateRef: 'Motor',
        parameters: [{ name: 'RatedKw', type: T.Float, floatValue: 7.5 }],
        metrics: [
          { name: 'Speed', datatype: T.Float, floatValue: 12.5 },
          // The member's datatype left out: the definition gives it.
          { name: 'Running', booleanValue: true },
          {
            name: 'Plate',
            datatype: T.Template,
            templateValue: {
              isDefinition: false,
              templateRef: 'Nameplate',
              metrics: [{ name: 'Serial', datatype: T.String, stringValue: 'A-1' }],
            },
          },
        ],
      },
    }),
    samples: { 'Motor1/Speed': 12.5, 'Motor1/Running': true, 'Motor1/Plate/Serial': 'A-1' },
  },
  {
    datatype: 'PropertySet',
    metric: metric('Props', T.PropertySet, {}),
    cause: 'unsupported-datatype',
  },
  {
    datatype: 'PropertySetList',
    metric: metric('PropsList', T.PropertySetList, {}),
    cause: 'unsupported-datatype',
  },
  {
    // The spec's example says [-23, 123] -> EF 7B, but EF is -17 (-23 would be E9): the bytes are what count.
    datatype: 'Int8Array',
    metric: metric('I8s', T.Int8Array, { bytesValue: le([0xef, 0x7b]) }),
    samples: { I8s: [-17, 123] },
  },
  {
    datatype: 'Int16Array',
    metric: metric('I16s', T.Int16Array, { bytesValue: le([0xd0, 0x8a, 0x30, 0x75]) }),
    samples: { I16s: [-30000, 30000] },
  },
  {
    datatype: 'Int32Array',
    metric: metric('I32s', T.Int32Array, {
      bytesValue: le([0xff, 0xff, 0xff, 0xff, 0xfa, 0xaf, 0xcb, 0x12]),
    }),
    samples: { I32s: [-1, 315338746] },
  },
  {
    datatype: 'Int64Array',
    metric: metric('I64s', T.Int64Array, {
      bytesValue: le([
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00,
      ]),
    }),
    samples: { I64s: [-2, 9007199254740991] },
  },
  {
    datatype: 'UInt8Array',
    metric: metric('U8s', T.UInt8Array, { bytesValue: le([0x17, 0xfa]) }),
    samples: { U8s: [23, 250] },
  },
  {
    datatype: 'UInt16Array',
    metric: metric('U16s', T.UInt16Array, { bytesValue: le([0x1e, 0x00, 0x88, 0xcc]) }),
    samples: { U16s: [30, 52360] },
  },
  {
    datatype: 'UInt32Array',
    metric: metric('U32s', T.UInt32Array, {
      bytesValue: le([0x34, 0x00, 0x00, 0x00, 0x49, 0xfb, 0x55, 0xc4]),
    }),
    samples: { U32s: [52, 3293969225] },
  },
  {
    // The spec's example: 16444743074749521625 is past 2^53.
    datatype: 'UInt64Array',
    metric: metric('U64s', T.UInt64Array, {
      bytesValue: le([0x34, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0x9e, 0x02, 0xd1, 0xb2, 0x76, 0x37, 0xe4]),
    }),
    cause: 'integer-beyond-safe-range',
  },
  {
    datatype: 'FloatArray',
    metric: metric('F32s', T.FloatArray, {
      bytesValue: packed(8, (view) => {
        view.setFloat32(0, 1.23, true);
        view.setFloat32(4, 89.341, true);
      }),
    }),
    samples: { F32s: [1.23, 89.341] },
  },
  {
    datatype: 'DoubleArray',
    metric: metric('F64s', T.DoubleArray, {
      bytesValue: packed(16, (view) => {
        view.setFloat64(0, 12.354213, true);
        view.setFloat64(8, 1022.9123213, true);
      }),
    }),
    samples: { F64s: [12.354213, 1022.9123213] },
  },
  {
    // The spec's example: [F,F,T,T,F,T,F,F,T,T,F,T] -> 0C 00 00 00 34 DX (the first boolean in the top bit).
    datatype: 'BooleanArray',
    metric: metric('Bits', T.BooleanArray, { bytesValue: le([0x0c, 0x00, 0x00, 0x00, 0x34, 0xd0]) }),
    samples: { Bits: [0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1] },
  },
  {
    datatype: 'StringArray',
    metric: metric('Words', T.StringArray, {
      bytesValue: le([0x41, 0x42, 0x43, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00]),
    }),
    samples: { Words: '["ABC","hello"]' },
  },
  {
    datatype: 'DateTimeArray',
    metric: metric('Times', T.DateTimeArray, {
      bytesValue: packed(16, (view) => {
        view.setBigInt64(0, 1256102875335n, true);
        view.setBigInt64(8, 1656107875000n, true);
      }),
    }),
    samples: { Times: [1256102875335, 1656107875000] },
  },
];

function packed(size: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return bytes;
}

/** The NBIRTH payload with every case (and the definitions) after bdSeq. */
export function everyDatatypeBirth(seq: number, timestampMs: number, bdSeq = 0): Uint8Array {
  return ProtoPayload.encode({
    timestamp: timestampMs,
    seq,
    metrics: [
      { name: 'bdSeq', datatype: T.UInt64, longValue: Long.fromNumber(bdSeq, true) },
      ...TEMPLATE_DEFINITIONS,
      ...DATATYPE_CASES.map((entry) => entry.metric),
    ],
  }).finish();
}

/** A payload wrapped as Tahu compresses it: uuid SPBV1.0_COMPRESSED, algorithm metric, body compressed. */
export function compressed(
  inner: Uint8Array,
  algorithm: 'GZIP' | 'DEFLATE',
  timestampMs: number,
): Uint8Array {
  const body = algorithm === 'GZIP' ? gzipSync(inner) : deflateSync(inner);
  return ProtoPayload.encode({
    timestamp: timestampMs,
    uuid: 'SPBV1.0_COMPRESSED',
    body,
    metrics: [{ name: 'algorithm', datatype: T.String, stringValue: algorithm }],
  }).finish();
}

/** Every Sparkplug 3.0 datatype name has at least one case. */
export function uncoveredDatatypes(): string[] {
  const covered = new Set(DATATYPE_CASES.map((entry) => entry.datatype));
  return Object.keys(T).filter((name) => !covered.has(name as keyof typeof T));
}
