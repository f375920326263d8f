// Encoding and decoding through the catalogue: keys, headers, and records that are not what their topic carries.
import {
  decodeEvent,
  type EncodedEvent,
  encodeEvent,
  EventDecodeError,
  type EventTopic,
  eventTopics,
  headerNames,
  messageTypeOf,
  protobufContentType,
  SCHEMA_VERSION,
  topics,
} from '../src';
import * as fixture from './fixtures';

interface TopicCase {
  readonly topicId: string;
  readonly label: string;
  readonly topicName: string;
  readonly messageType: string | undefined;
  readonly value: unknown;
  readonly expectedKey: string;
  encode(): EncodedEvent;
  decode(bytes: Uint8Array, headers?: Record<string, string>): unknown;
  encodeDirectly(): Uint8Array;
}

function topicCase<T>(
  topicId: keyof typeof eventTopics,
  eventTopic: EventTopic<T>,
  label: string,
  value: T,
  expectedKey: string,
): TopicCase {
  return {
    topicId,
    label,
    topicName: eventTopic.topic.name,
    messageType: eventTopic.topic.messageType,
    value,
    expectedKey,
    encode: () => encodeEvent(eventTopic, value),
    decode: (bytes, headers) => decodeEvent(eventTopic, bytes, headers),
    encodeDirectly: () => eventTopic.codec.encode(value).finish(),
  };
}

const cases: readonly TopicCase[] = [
  topicCase('raw', eventTopics.raw, 'a batch of samples', fixture.rawSampleBatch, fixture.PLC_SOURCE_ID),
  topicCase(
    'telemetry',
    eventTopics.telemetry,
    'a batch of points',
    fixture.telemetryBatch,
    fixture.UNICODE_ASSET_ID,
  ),
  topicCase(
    'machineState',
    eventTopics.machineState,
    'a state change',
    fixture.stateChangeEvent,
    fixture.PRESS_ASSET_ID,
  ),
  topicCase(
    'machineState',
    eventTopics.machineState,
    'a stop reason assignment',
    fixture.reasonAssignmentEvent,
    fixture.UNICODE_ASSET_ID,
  ),
  topicCase(
    'productionCount',
    eventTopics.productionCount,
    'a batch of deltas',
    fixture.productionCountBatch,
    fixture.PRESS_ASSET_ID,
  ),
  topicCase('erpOrder', eventTopics.erpOrder, 'an order', fixture.productionOrder, fixture.PRESS_ASSET_ID),
  topicCase('erpShift', eventTopics.erpShift, 'a shift', fixture.earlyShift, fixture.PRESS_ASSET_ID),
  topicCase('oee', eventTopics.oee, 'a shift result', fixture.shiftOeeResult, fixture.PRESS_ASSET_ID),
  topicCase('oee', eventTopics.oee, 'a result without KPIs', fixture.idleOeeResult, fixture.PRESS_ASSET_ID),
  topicCase(
    'maintenanceAlert',
    eventTopics.maintenanceAlert,
    'an alert',
    fixture.bearingAlert,
    fixture.PRESS_ASSET_ID,
  ),
  topicCase(
    'maintenanceHealth',
    eventTopics.maintenanceHealth,
    'a health update',
    fixture.pressHealth,
    fixture.PRESS_ASSET_ID,
  ),
];

describe.each(cases)('$topicName: $label', (testCase) => {
  it('is keyed by the id its topic is partitioned by', () => {
    expect(testCase.encode().key).toBe(testCase.expectedKey);
  });

  it('carries the bytes of the generated codec', () => {
    expect(testCase.encode().value).toEqual(testCase.encodeDirectly());
  });

  it('names its protobuf message and the schema version in headers', () => {
    const { headers } = testCase.encode();
    expect(headers).toEqual({
      [headerNames.contentType]: `application/x-protobuf; messageType=${String(testCase.messageType)}`,
      [headerNames.schemaVersion]: SCHEMA_VERSION,
    });
    expect(messageTypeOf(headers[headerNames.contentType])).toBe(testCase.messageType);
    expect(headers['kiln-schema-version']).toBe('1');
  });

  it('decodes back to an equal value, with or without its headers', () => {
    const record = testCase.encode();
    expect(testCase.decode(record.value, record.headers)).toStrictEqual(testCase.value);
    expect(testCase.decode(record.value)).toStrictEqual(testCase.value);
  });

  it('throws an EventDecodeError for a record cut short inside its first field', () => {
    // Field 1 of every event message is a string id longer than 3 bytes: tag, length, then 3 bytes of it.
    const cut = testCase.encode().value.subarray(0, 5);
    expect(() => testCase.decode(cut)).toThrow(EventDecodeError);
    expect(() => testCase.decode(cut)).toThrow(testCase.topicName);
  });

  it('throws an EventDecodeError for a record cut short inside its last field', () => {
    const whole = testCase.encode().value;
    expect(() => testCase.decode(whole.subarray(0, whole.length - 1))).toThrow(EventDecodeError);
  });

  it('accepts headers that carry no content-type (a producer outside Kiln)', () => {
    const traceOnly = {
      [headerNames.traceparent]: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    };
    expect(testCase.decode(testCase.encode().value, traceOnly)).toStrictEqual(testCase.value);
  });
});

describe('the topic cases', () => {
  it('cover every event topic', () => {
    const tested = new Set(cases.map((testCase) => testCase.topicId));
    expect(Object.keys(eventTopics).filter((id) => !tested.has(id))).toEqual([]);
  });
});

describe('keyOf', () => {
  it('keys raw batches by their source id, not by any asset', () => {
    expect(
      eventTopics.raw.keyOf({ ...fixture.rawSampleBatch, sourceId: 'sparkplug/plant1/edge-3/press-04' }),
    ).toBe('sparkplug/plant1/edge-3/press-04');
  });

  it('keys both kinds of machine-state event by the asset id', () => {
    expect(eventTopics.machineState.keyOf(fixture.stateChangeEvent)).toBe(fixture.stateChangeEvent.assetId);
    expect(eventTopics.machineState.keyOf(fixture.reasonAssignmentEvent)).toBe(
      fixture.reasonAssignmentEvent.assetId,
    );
  });
});

// Bytes a consumer may meet on a topic that are not a message of it.
const garbage: readonly [string, Uint8Array][] = [
  ['a JSON document', new TextEncoder().encode('{"assetId":"acme/plant-1/pressing/line-2/press-04"}')],
  ['plain text', new TextEncoder().encode('not a protobuf message')],
  ['a varint longer than 10 bytes', Uint8Array.from(new Array<number>(11).fill(0xff))],
  ['a field running past the end', Uint8Array.from([0x0a, 0x10, 0x41, 0x42])],
  ['wire type 7', Uint8Array.from([0x0f, 0x01])],
  [
    'a schema-registry frame (magic byte 0x00)',
    Uint8Array.from([0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x0a, 0x01, 0x41]),
  ],
  ['a lone 0x00 byte', Uint8Array.from([0x00])],
  ['a stray end-group tag', Uint8Array.from([0x0c, 0x0a, 0x01, 0x41])],
  ['a PNG header', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
];

const oneCasePerTopic = cases.filter(
  (testCase, index) => cases.findIndex((c) => c.topicId === testCase.topicId) === index,
);

describe.each(oneCasePerTopic)('decoding garbage from $topicName', ({ topicName, messageType, decode }) => {
  it.each(garbage)('throws an EventDecodeError naming the topic for %s', (_, bytes) => {
    const decodeGarbage = (): unknown => decode(bytes);
    expect(decodeGarbage).toThrow(EventDecodeError);
    expect(decodeGarbage).toThrow(`cannot decode a record of ${topicName} as ${String(messageType)}: `);
    expect(caught(decodeGarbage)).toMatchObject({ name: 'EventDecodeError', topic: topicName });
  });
});

describe('a record whose content-type names another message', () => {
  const order = encodeEvent(eventTopics.erpOrder, fixture.productionOrder);

  it('is refused, naming the topic and both message types', () => {
    const decode = (): unknown => decodeEvent(eventTopics.erpShift, order.value, order.headers);
    expect(decode).toThrow(EventDecodeError);
    expect(decode).toThrow(/kiln\.erp\.shift\.v1/);
    expect(decode).toThrow(/messageType=kiln\.events\.v1\.ProductionOrder/);
    expect(decode).toThrow(/expected one naming kiln\.events\.v1\.Shift/);
    expect(caught(decode)).toMatchObject({ topic: topics.erpShift.name });
  });

  it('is refused when the content-type names no protobuf message at all', () => {
    const shift = encodeEvent(eventTopics.erpShift, fixture.earlyShift);
    const headers = { ...shift.headers, [headerNames.contentType]: 'application/json' };
    expect(() => decodeEvent(eventTopics.erpShift, shift.value, headers)).toThrow(/'application\/json'/);
  });

  it('is accepted when the content-type names the message with other parameters around it', () => {
    const shift = encodeEvent(eventTopics.erpShift, fixture.earlyShift);
    const headers = {
      [headerNames.contentType]: `${protobufContentType('kiln.events.v1.Shift')}; charset=binary`,
    };
    expect(decodeEvent(eventTopics.erpShift, shift.value, headers)).toStrictEqual(fixture.earlyShift);
  });
});

describe('decodeEvent of an empty record', () => {
  // Protobuf cannot tell an empty value from a message of all defaults; consumers validate the content.
  it('yields the all-default message', () => {
    expect(decodeEvent(eventTopics.erpShift, new Uint8Array())).toStrictEqual({
      assetId: '',
      shiftId: '',
      name: '',
      startUs: 0,
      endUs: 0,
      breaks: [],
      cancelled: false,
      erpSystem: '',
      changedTimeUs: 0,
    });
  });
});

describe('EventDecodeError', () => {
  it('says which topic and message it could not decode and why', () => {
    const error = new EventDecodeError(topics.telemetry.name, 'premature EOF');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EventDecodeError');
    expect(error.reason).toBe('premature EOF');
    expect(error.message).toBe(
      'cannot decode a record of kiln.telemetry.v1 as kiln.events.v1.TelemetryBatch: premature EOF',
    );
  });

  it('still reads for a topic without a message type', () => {
    expect(new EventDecodeError(topics.dlq.name, 'x').message).toBe(
      'cannot decode a record of kiln.dlq.v1 as its message: x',
    );
  });
});

describe('messageTypeOf', () => {
  it('reads back the message type protobufContentType wrote', () => {
    expect(messageTypeOf(protobufContentType('kiln.events.v1.OeeResult'))).toBe('kiln.events.v1.OeeResult');
  });

  it.each([undefined, '', 'application/json', 'application/x-protobuf'])(
    'finds none in %p',
    (contentType) => {
      expect(messageTypeOf(contentType)).toBeUndefined();
    },
  );
});

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
