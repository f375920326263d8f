// Issue 14, defect 3: every Sparkplug 3.0 datatype becomes samples or a dead letter with its cause, none vanishes;
// 64-bit integers stay exact with one wire type per tag; historical values keep their time without becoming the
// last value; transient values are counted, not stored; compressed payloads are inflated, within a bound.
// Payloads are encoded with the Tahu protobuf classes and go through the codec and the host state, as the
// connector does.
import { gzipSync } from 'node:zlib';
import Long from 'long';
import { SparkplugHostState, type HostAction } from '../../src/connectors/sparkplug/host-state';
import { SparkplugDataType as T } from '../../src/connectors/sparkplug/metric-value';
import { decodeSparkplugPayload, SparkplugDecodeError } from '../../src/connectors/sparkplug/payload-codec';
import type { EdgeMessageType } from '../../src/connectors/sparkplug/topic';
import type { Sample } from '../../src/connectors/types';
import { toRawSample, toValue } from '../../src/pipeline/raw-sample';
import {
  compressed,
  DATATYPE_CASES,
  everyDatatypeBirth,
  ProtoPayload,
  uncoveredDatatypes,
  type ProtoMetric,
} from './every-datatype';

const NOW_MS = 1_760_000_000_000;
const RECEIVED_US = NOW_MS * 1000;

function handle(host: SparkplugHostState, type: EdgeMessageType, bytes: Uint8Array): HostAction[] {
  return host.handle(
    {
      type,
      groupId: 'g',
      edgeNodeId: 'e',
      topic: `spBv1.0/g/${type}/e`,
      payload: decodeSparkplugPayload(bytes),
      raw: bytes,
      receiveTimeUs: RECEIVED_US,
    },
    NOW_MS,
  );
}

const newHost = () => new SparkplugHostState({ reorderTimeoutMs: 1_000, rebirthMinIntervalMs: 0 });
const samplesOf = (actions: readonly HostAction[]): Sample[] =>
  actions.flatMap((action) => (action.kind === 'emit' ? action.samples : []));
const rejectionsOf = (actions: readonly HostAction[]) =>
  actions.flatMap((action) =>
    action.kind === 'reject' ? [{ cause: action.input.cause, error: String(action.input.error) }] : [],
  );
const valueOf = (actions: readonly HostAction[], tag: string) =>
  samplesOf(actions)
    .filter((sample) => sample.tag === tag)
    .map((sample) => sample.value);

const data = (seq: number, metrics: ProtoMetric[], timestamp = NOW_MS): Uint8Array =>
  ProtoPayload.encode({ timestamp, seq, metrics }).finish();
const nbirth = (metrics: ProtoMetric[], timestamp = NOW_MS): Uint8Array =>
  ProtoPayload.encode({
    timestamp,
    seq: 0,
    metrics: [{ name: 'bdSeq', datatype: T.UInt64, longValue: Long.fromNumber(1, true) }, ...metrics],
  }).finish();

describe('Sparkplug 3.0 datatypes', () => {
  it('has a case for every Sparkplug 3.0 datatype', () => {
    expect(uncoveredDatatypes()).toEqual([]);
  });

  describe('in an NBIRTH with every datatype', () => {
    const birth = handle(newHost(), 'NBIRTH', everyDatatypeBirth(0, NOW_MS));

    it.each(DATATYPE_CASES.map((entry) => [entry.metric.name ?? '', entry.datatype, entry] as const))(
      '%s (%s) becomes its samples or a dead letter naming it and its cause',
      (name, datatype, entry) => {
        if (entry.samples !== undefined) {
          for (const [tag, value] of Object.entries(entry.samples))
            expect(valueOf(birth, tag)).toEqual([value]);
          expect(rejectionsOf(birth).filter((rejection) => rejection.error.includes(`${name}: `))).toEqual(
            [],
          );
        } else {
          expect(samplesOf(birth).filter((sample) => sample.tag.startsWith(name))).toEqual([]);
          const rejection = rejectionsOf(birth).find((candidate) => candidate.cause === entry.cause);
          expect(rejection?.error).toMatch(new RegExp(`^NBIRTH: .*\\b${name}: ${datatype}\\b`));
        }
      },
    );

    it('emits nothing else: no sample of a Template definition, none without a case', () => {
      const expectedTags = new Set([
        'bdSeq',
        ...DATATYPE_CASES.flatMap((entry) => Object.keys(entry.samples ?? {})),
      ]);
      expect(
        samplesOf(birth)
          .map((sample) => sample.tag)
          .filter((tag) => !expectedTags.has(tag)),
      ).toEqual([]);
      expect(samplesOf(birth)).toHaveLength(expectedTags.size);
    });

    it('keeps the Template definitions for the edge node', () => {
      const host = newHost();
      handle(host, 'NBIRTH', everyDatatypeBirth(0, NOW_MS));
      const definitions = host.templateDefinitions('g', 'e');
      expect([...definitions.keys()].sort()).toEqual(['Motor', 'Nameplate']);
      expect(definitions.get('Motor')?.get('Speed')).toEqual({ datatype: T.Float });
    });
  });

  it('reads data by alias, without datatypes, the way the birth defined it: Template members, DataSet, arrays', () => {
    const host = newHost();
    handle(host, 'NBIRTH', everyDatatypeBirth(0, NOW_MS));
    const alias = (name: string): number =>
      Number(DATATYPE_CASES.find((entry) => entry.metric.name === name)?.metric.alias ?? -1);
    const actions = handle(
      host,
      'NDATA',
      data(1, [
        {
          alias: alias('Motor1'),
          templateValue: {
            isDefinition: false,
            templateRef: 'Motor',
            metrics: [{ name: 'Speed', floatValue: 13.5, timestamp: NOW_MS - 5 }],
          },
        },
        {
          alias: alias('Recipe'),
          datasetValue: { columns: ['Step'], types: [T.Int32], rows: [{ elements: [{ intValue: 3 }] }] },
        },
        { alias: alias('Bits'), bytesValue: Uint8Array.from([3, 0, 0, 0, 0b1010_0000]) },
        { alias: alias('Blob'), bytesValue: Uint8Array.from([0]) },
      ]),
    );
    expect(rejectionsOf(actions)).toEqual([]);
    expect(samplesOf(actions).map((sample) => [sample.tag, sample.value, sample.sourceTimeUs])).toEqual([
      ['Motor1/Speed', 13.5, (NOW_MS - 5) * 1000],
      ['Recipe', '{"columns":["Step"],"types":["Int32"],"rows":[[3]]}', NOW_MS * 1000],
      ['Bits', [1, 0, 1], NOW_MS * 1000],
      ['Blob', 'AA==', NOW_MS * 1000],
    ]);
  });

  it('keeps one wire type per 64-bit tag (int_value) and dead-letters a value beyond ±(2^53-1) instead of rounding it', () => {
    const host = newHost();
    handle(
      host,
      'NBIRTH',
      nbirth([{ name: 'Counter', alias: 7, datatype: T.UInt64, longValue: Long.UZERO }]),
    );
    const values = ['5', '9007199254740991', '9007199254740993', '18446744073709551615'];
    const emitted: Sample[] = [];
    const causes: string[] = [];
    values.forEach((value, index) => {
      const actions = handle(
        host,
        'NDATA',
        data(index + 1, [{ alias: 7, longValue: Long.fromString(value, true) }]),
      );
      emitted.push(...samplesOf(actions));
      causes.push(...rejectionsOf(actions).map((rejection) => rejection.cause));
    });
    expect(emitted.map((sample) => toValue(sample.value))).toEqual([
      { kind: { $case: 'intValue', value: 5 } },
      { kind: { $case: 'intValue', value: 9007199254740991 } },
    ]);
    expect(causes).toEqual(['integer-beyond-safe-range', 'integer-beyond-safe-range']);
  });

  it('emits a historical value at its own time without making it the value a death marks stale', () => {
    const host = newHost();
    handle(host, 'NBIRTH', nbirth([{ name: 'Speed', alias: 1, datatype: T.Double, doubleValue: 10 }]));
    handle(host, 'NDATA', data(1, [{ alias: 1, doubleValue: 11 }]));
    const earlier = NOW_MS - 60_000;
    const historical = handle(
      host,
      'NDATA',
      data(2, [{ alias: 1, doubleValue: 5, isHistorical: true, timestamp: earlier }]),
    );
    expect(
      samplesOf(historical).map((sample) => [sample.value, sample.sourceTimeUs, sample.historical]),
    ).toEqual([[5, earlier * 1000, true]]);
    // kiln.raw.v1 says so, and normalization keeps the source time however old (no clock-skew fallback).
    expect(samplesOf(historical).map((sample) => toRawSample(sample).historical)).toEqual([true]);
    const current = samplesOf(handle(host, 'NDATA', data(3, [{ alias: 1, doubleValue: 12 }])));
    expect(current.map((sample) => [sample.value, toRawSample(sample).historical])).toEqual([
      [12, undefined],
    ]);
    const untimed = handle(host, 'NDATA', data(4, [{ alias: 1, doubleValue: 4, isHistorical: true }]));
    expect(samplesOf(untimed)).toEqual([]);
    expect(rejectionsOf(untimed)).toEqual([
      { cause: 'historical-without-time', error: expect.stringContaining('Speed') },
    ]);
    const death = handle(
      host,
      'NDEATH',
      ProtoPayload.encode({
        metrics: [{ name: 'bdSeq', datatype: T.UInt64, longValue: Long.fromNumber(1, true) }],
      }).finish(),
    );
    expect(
      samplesOf(death)
        .filter((sample) => sample.tag === 'Speed')
        .map((sample) => sample.value),
    ).toEqual([12]);
  });

  it('does not emit transient metrics but counts them', () => {
    const host = newHost();
    const birth = handle(
      host,
      'NBIRTH',
      nbirth([
        { name: 'Live', alias: 1, datatype: T.Double, doubleValue: 1, isTransient: true },
        { name: 'Kept', alias: 2, datatype: T.Double, doubleValue: 2 },
      ]),
    );
    expect(samplesOf(birth).map((sample) => sample.tag)).toEqual(['bdSeq', 'Kept']);
    const later = handle(host, 'NDATA', data(1, [{ alias: 1, doubleValue: 3 }]));
    expect(later).toEqual([{ kind: 'skipped', sourceId: 'sparkplug/g/e', cause: 'transient', values: 1 }]);
  });

  describe('compressed payloads (uuid SPBV1.0_COMPRESSED)', () => {
    const inner = data(4, [{ alias: 1, doubleValue: 42.5 }], NOW_MS);

    it.each(['GZIP', 'DEFLATE'] as const)('inflates a %s body to the payload inside', (algorithm) => {
      const decoded = decodeSparkplugPayload(compressed(inner, algorithm, NOW_MS + 1));
      expect(decoded).toEqual({
        timestampMs: NOW_MS,
        seq: 4,
        metrics: [{ alias: 1n, isNull: false, value: { field: 'double', value: 42.5 } }],
      });
    });

    it('refuses a body that inflates past maxDecompressedBytes (a zip bomb) without inflating it all', () => {
      const bomb = ProtoPayload.encode({
        uuid: 'SPBV1.0_COMPRESSED',
        body: gzipSync(Buffer.alloc(64 * 1024 * 1024)),
        metrics: [{ name: 'algorithm', datatype: T.String, stringValue: 'GZIP' }],
      }).finish();
      expect(bomb.byteLength).toBeLessThan(100_000);
      let thrown: unknown;
      try {
        decodeSparkplugPayload(bomb, { maxDecompressedBytes: 1024 * 1024 });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SparkplugDecodeError);
      expect(thrown).toMatchObject({
        reason: 'decompressed-too-large',
        message: expect.stringMatching(/inflates to more than 1048576 bytes/),
      });
    });

    it('refuses an algorithm it does not know', () => {
      const unknown = ProtoPayload.encode({
        uuid: 'SPBV1.0_COMPRESSED',
        body: Uint8Array.from([1, 2, 3]),
        metrics: [{ name: 'algorithm', datatype: T.String, stringValue: 'LZ4' }],
      }).finish();
      expect(() => decodeSparkplugPayload(unknown)).toThrow(/LZ4/);
    });
  });
});
