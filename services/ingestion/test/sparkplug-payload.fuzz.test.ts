// Fuzzing the Sparkplug B boundary: payload bytes through the codec and then through the host application's state
// (births, data, deaths), as the connector does. Random bytes, and well-formed protobuf payloads with hostile
// values: timestamps far past 9999 (1e16 ms, 2^64-1), NaN and infinities, huge and control-character strings,
// unknown datatypes, templates nested thousands deep, DataSets of any shape, historical and transient flags,
// compressed payloads (GZIP, DEFLATE, unknown algorithms, broken bodies). Nothing may throw but the codec's refusal, every input is
// answered within a time bound, every rejection names the message and metric, and every sample handed on has a
// tag, text and source time the pipeline and the database take.
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import Long from 'long';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { textProblem, timeProblem } from '@kiln/contracts';
import { fuzzRuns } from '@kiln/test-infra';
import { SparkplugHostState, type HostAction } from '../src/connectors/sparkplug/host-state';
import { decodeSparkplugPayload, SparkplugDecodeError } from '../src/connectors/sparkplug/payload-codec';
import type { EdgeMessageType } from '../src/connectors/sparkplug/topic';
import type { Sample } from '../src/connectors/types';

const ProtoPayload = org.eclipse.tahu.protobuf.Payload;
const RUNS = fuzzRuns();
const RECEIVED_US = 1_760_000_000_000_000;
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('Temperature', 'bdSeq', '', '\u0000', 'a\u0000b', '\u001b', '\ud800', 'x'.repeat(5_000)),
);
const uint64 = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.constantFrom(1e16, 2 ** 53, 8.64e15, 1_760_000_000_000, 253402300800000),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => Long.fromString(value.toString(), true)),
);
const datatype = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(0x7fffffff, 0xffffffff, 12, 9, 10),
);
const doubleValue = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0));
const value = fc.oneof(
  fc.record({ intValue: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }).map((n) => n >>> 0) }),
  fc.record({ longValue: uint64 }),
  fc.record({ floatValue: doubleValue.map(Math.fround) }),
  fc.record({ doubleValue }),
  fc.record({ booleanValue: fc.boolean() }),
  fc.record({ stringValue: hostileText }),
  fc.record({ bytesValue: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ templateValue: fc.constant({ metrics: [{ name: 'inner', datatype: 3, intValue: 1 }] }) }),
  fc.record({ datasetValue: fc.constant({ numOfColumns: 1, columns: ['c'], types: [3] }) }),
  fc.record({
    datasetValue: fc.record({
      columns: fc.array(hostileText, { maxLength: 4 }),
      types: fc.array(datatype, { maxLength: 4 }),
      rows: fc.array(
        fc.record({
          elements: fc.array(
            fc.oneof(
              fc.record({ intValue: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
              fc.record({ longValue: uint64 }),
              fc.record({ floatValue: doubleValue.map(Math.fround) }),
              fc.record({ booleanValue: fc.boolean() }),
              fc.record({ stringValue: hostileText }),
              fc.constant({}),
            ),
            { maxLength: 5 },
          ),
        }),
        { maxLength: 4 },
      ),
    }),
  }),
  fc.constant({}),
);
const metric = fc
  .tuple(
    fc.record(
      {
        name: hostileText,
        alias: uint64,
        timestamp: uint64,
        datatype,
        isNull: fc.boolean(),
        isHistorical: fc.boolean(),
        isTransient: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    value,
  )
  .map(([fields, metricValue]) => ({ ...fields, ...metricValue }));
const payloadObject = fc.record(
  {
    timestamp: uint64,
    seq: fc.oneof(fc.integer({ min: 0, max: 255 }), uint64),
    metrics: fc.array(metric, { maxLength: 8 }),
    uuid: hostileText,
  },
  { requiredKeys: ['metrics'] },
);
const wellFormedBytes = payloadObject.map((payload) =>
  ProtoPayload.encode(ProtoPayload.fromObject(payload)).finish(),
);

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** A metric whose template holds a metric whose template holds ... `depth` times (field 18, Template.metrics 2). */
function nestedTemplates(depth: number): Uint8Array {
  const innermost = [0x0a, 0x01, 0x78]; // a metric named "x"
  // Each level only prefixes the one inside it, so the prefixes are computed inside out and written outside in.
  const prefixes: number[][] = [];
  let length = innermost.length;
  for (let level = 0; level < depth; level += 1) {
    const template = [0x12, ...varint(length)];
    length += template.length;
    const metric = [0x92, 0x01, ...varint(length)];
    length += metric.length;
    prefixes.push([...metric, ...template]);
  }
  const bytes = [0x12, ...varint(length)];
  for (let level = prefixes.length - 1; level >= 0; level -= 1) bytes.push(...(prefixes[level] ?? []));
  bytes.push(...innermost);
  return Uint8Array.from(bytes);
}

/** Wrapped as Tahu compresses payloads, with a known, unknown or absent algorithm, the body intact or not. */
const compressedBytes = fc
  .tuple(
    wellFormedBytes,
    fc.constantFrom('GZIP', 'DEFLATE', 'gzip', 'LZ4', '', undefined),
    fc.option(fc.uint8Array({ maxLength: 60 }), { nil: undefined }),
  )
  .map(([inner, algorithm, brokenBody]) =>
    ProtoPayload.encode({
      uuid: 'SPBV1.0_COMPRESSED',
      body: brokenBody ?? (algorithm?.toUpperCase() === 'GZIP' ? gzipSync(inner) : deflateSync(inner)),
      metrics: algorithm === undefined ? [] : [{ name: 'algorithm', datatype: 12, stringValue: algorithm }],
    }).finish(),
  );

const payloadBytes = fc.oneof(
  compressedBytes,
  fc.uint8Array({ maxLength: 120 }),
  wellFormedBytes,
  wellFormedBytes.chain((bytes) =>
    fc
      .tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 }))
      .map(([at, byte]) => Uint8Array.from(bytes, (old, i) => (i === at ? byte : old))),
  ),
  fc.integer({ min: 1, max: 64 }).map(nestedTemplates),
  // Built once: deep enough to exhaust the decoder's stack, too costly to build per input.
  fc.constantFrom(...[500, 3_000, 20_000].map(nestedTemplates)),
);

function sampleProblems(sample: Sample): string[] {
  const problems: string[] = [];
  const tag = sample.tag === '' ? 'is empty' : textProblem(sample.tag);
  if (tag !== undefined) problems.push(`tag ${tag}`);
  if (typeof sample.value === 'string') {
    const text = textProblem(sample.value);
    if (text !== undefined) problems.push(`value ${text}`);
  }
  if (sample.sourceTimeUs !== undefined) {
    const time = timeProblem(sample.sourceTimeUs);
    if (time !== undefined) problems.push(`sourceTimeUs ${time}`);
  }
  return problems;
}

/** A rejection names the message type and, for a metric, the metric (by name or alias). */
const NAMES_ITS_FIELD = /^(NBIRTH|DBIRTH|NDATA|DDATA|DDEATH)[: ]|before its/;

function checkActions(actions: readonly HostAction[]): void {
  for (const action of actions) {
    if (action.kind === 'emit') {
      for (const sample of action.samples) expect(sampleProblems(sample)).toEqual([]);
    } else if (action.kind === 'reject') {
      expect(String(action.input.error)).toMatch(NAMES_ITS_FIELD);
    }
  }
}

/** What the connector does with one payload: decode, then births, data and deaths of a node and a device. */
function handleAsConnector(bytes: Uint8Array): void {
  let payload;
  try {
    payload = decodeSparkplugPayload(bytes);
  } catch (error) {
    // The connector dead-letters these with the error's reason as cause; the error names the payload and its size.
    expect(error).toBeInstanceOf(SparkplugDecodeError);
    expect(String(error)).toMatch(/payload of \d+ bytes/);
    expect(['undecodable-protobuf', 'undecodable-compression', 'decompressed-too-large']).toContain(
      (error as SparkplugDecodeError).reason,
    );
    return;
  }
  const host = new SparkplugHostState({ reorderTimeoutMs: 1_000, rebirthMinIntervalMs: 0 });
  const sequence: readonly [EdgeMessageType, string | undefined][] = [
    ['NBIRTH', undefined],
    ['NDATA', undefined],
    ['DBIRTH', 'd1'],
    ['DDATA', 'd1'],
    ['DDEATH', 'd1'],
    ['NDEATH', undefined],
  ];
  let nowMs = 1_760_000_000_000;
  for (const [type, deviceId] of sequence) {
    nowMs += 10;
    const topic = `spBv1.0/g/${type}/e${deviceId === undefined ? '' : `/${deviceId}`}`;
    const message = {
      type,
      groupId: 'g',
      edgeNodeId: 'e',
      ...(deviceId === undefined ? {} : { deviceId }),
      topic,
      payload,
      raw: bytes,
      receiveTimeUs: RECEIVED_US,
    };
    checkActions(host.handle(message, nowMs));
    checkActions(host.expire(nowMs + 2_000));
  }
}

describe('Sparkplug B payload fuzzing', () => {
  it(`Sparkplug B payload bytes: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(payloadBytes, (bytes) => {
        const started = process.cpuUsage();
        handleAsConnector(bytes);
        const elapsedMs = cpuMs(process.cpuUsage(started));
        if (elapsedMs > TIME_BOUND_MS) throw new Error(`handling took ${elapsedMs.toFixed(0)} ms`);
      }),
      { numRuns: RUNS },
    );
  });
});
