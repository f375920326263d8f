// Regressions found by fuzzing Sparkplug B payloads (test/sparkplug-payload.fuzz.test.ts): each metric below once
// became a sample the pipeline or the database cannot take (issue 13: a metric stamped 1e16 ms took the process
// down in the batcher); now it is refused with the message type and metric named, and the rest of the message goes on.
import { SparkplugHostState, type HostAction } from '../../src/connectors/sparkplug/host-state';
import { SparkplugDataType as T } from '../../src/connectors/sparkplug/metric-value';
import {
  decodeSparkplugPayload,
  SparkplugDecodeError,
  type SparkplugMetric,
} from '../../src/connectors/sparkplug/payload-codec';

const RECEIVED_US = 1_760_000_000_000_000;

const metric = (name: string, fields: Partial<SparkplugMetric>): SparkplugMetric => ({
  name,
  datatype: T.Double,
  isNull: false,
  value: { field: 'double', value: 1.5 },
  ...fields,
});

function nbirth(metrics: SparkplugMetric[]): HostAction[] {
  const host = new SparkplugHostState({ reorderTimeoutMs: 1_000, rebirthMinIntervalMs: 0 });
  return host.handle(
    {
      type: 'NBIRTH',
      groupId: 'g',
      edgeNodeId: 'e',
      topic: 'spBv1.0/g/NBIRTH/e',
      payload: { seq: 0, timestampMs: 1_760_000_000_000, metrics },
      raw: new Uint8Array([1]),
      receiveTimeUs: RECEIVED_US,
    },
    1_760_000_000_000,
  );
}

const tagsEmitted = (actions: HostAction[]): string[] =>
  actions.flatMap((action) => (action.kind === 'emit' ? action.samples.map((sample) => sample.tag) : []));
const rejections = (actions: HostAction[]) =>
  actions.flatMap((action) =>
    action.kind === 'reject' ? [{ cause: action.input.cause, error: action.input.error }] : [],
  );

describe('Sparkplug metrics at the boundary', () => {
  it('refuses a metric stamped 1e16 ms (past int64 µs) and keeps the good one of the same message', () => {
    const actions = nbirth([metric('Ok', {}), metric('Far', { timestampMs: 1e16 })]);
    expect(tagsEmitted(actions)).toEqual(['Ok']);
    expect(rejections(actions)).toEqual([
      {
        cause: 'bad-timestamp',
        error: expect.stringMatching(
          /^NBIRTH: sourceTimeUs of tag "Far" is 10+ us, not a time between 1970 and \d+ \(timestamp 10000000000000000 ms\)$/,
        ),
      },
    ]);
  });

  it('refuses a name or a text value with U+0000 and an empty name, naming the metric', () => {
    const actions = nbirth([
      metric('Line\u0000Speed', {}),
      metric('', {}),
      metric('Reason', { datatype: T.String, value: { field: 'string', value: 'jam\u0000' } }),
    ]);
    expect(tagsEmitted(actions)).toEqual([]);
    expect(rejections(actions)).toEqual([
      {
        cause: 'bad-tag',
        error:
          'NBIRTH: tag "Line\\u0000Speed" holds the character U+0000 at position 4; ' +
          'control characters are not accepted; tag is empty',
      },
      {
        cause: 'wrong-type',
        error:
          'NBIRTH: value of tag "Reason" holds the character U+0000 at position 3; control characters are not accepted',
      },
    ]);
  });

  it('answers bytes that are not a payload with SparkplugDecodeError naming the payload', () => {
    const garbage = Uint8Array.from([0x12, 0x05, 0x0a]);
    expect(() => decodeSparkplugPayload(garbage)).toThrow(SparkplugDecodeError);
    expect(() => decodeSparkplugPayload(garbage)).toThrow(
      /^payload of 3 bytes is not a Sparkplug B Payload: index out of range/,
    );
  });
});
