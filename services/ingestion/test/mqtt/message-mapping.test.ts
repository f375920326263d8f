import { mqttConnectorConfigSchema, type MqttConnectorConfigInput } from '../../src/connectors/mqtt/config';
import { createMessageMapper, type MessageMappingResult } from '../../src/connectors/mqtt/message-mapping';

function mapperFor(subscriptions: MqttConnectorConfigInput['subscriptions']) {
  const config = mqttConnectorConfigSchema.parse({
    kind: 'mqtt',
    id: 'unit',
    url: 'mqtt://broker:1883',
    subscriptions,
  });
  return createMessageMapper(config.subscriptions);
}

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
const RECEIVED_US = 1_700_000_000_000_000;

function sampleOf(result: MessageMappingResult) {
  if (result.kind !== 'sample') throw new Error(`expected a sample, got ${JSON.stringify(result)}`);
  return result.sample;
}

describe('MQTT message mapping', () => {
  const mapper = mapperFor([
    {
      topic: 'plant/+line/+machine/+signal',
      tag: '{line}/{machine}/{signal}',
      valuePointer: '/value',
      timestampPointer: '/ts',
      qualityPointer: '/q',
    },
    { topic: 'raw/+', payloadFormat: 'raw-number' },
    { topic: '#', valuePointer: '/v' },
  ]);

  it('takes the tag from the captures, the value and the source time from their pointers', () => {
    const sample = sampleOf(
      mapper.map('plant/l1/m1/temp', json({ value: 21.5, ts: '2024-05-01T06:00:00Z' }), RECEIVED_US),
    );
    expect(sample).toEqual({
      tag: 'l1/m1/temp',
      value: 21.5,
      quality: 'good',
      statusCode: 0,
      sourceTimeUs: 1714543200000000,
      receiveTimeUs: RECEIVED_US,
    });
  });

  it('lets the first matching subscription decide and the topic be the default tag', () => {
    expect(sampleOf(mapper.map('raw/rpm', Buffer.from(' 1450.5\n'), RECEIVED_US))).toMatchObject({
      tag: 'raw/rpm',
      value: 1450.5,
    });
    expect(sampleOf(mapper.map('other/x', json({ v: [1, 2, 3] }), RECEIVED_US))).toMatchObject({
      tag: 'other/x',
      value: [1, 2, 3],
    });
    expect(sampleOf(mapper.map('other/x', json({ v: 'RUNNING' }), RECEIVED_US)).value).toBe('RUNNING');
    expect(sampleOf(mapper.map('other/x', json({ v: false }), RECEIVED_US)).value).toBe(false);
  });

  it('reads quality as text, boolean or OPC UA StatusCode severity', () => {
    const withQuality = (q: unknown) => mapper.map('plant/l/m/s', json({ value: 1, ts: 0, q }), RECEIVED_US);
    expect(sampleOf(withQuality('BAD'))).toMatchObject({ quality: 'bad', statusCode: 0 });
    expect(sampleOf(withQuality(true))).toMatchObject({ quality: 'good' });
    expect(sampleOf(withQuality(0x40000000))).toMatchObject({ quality: 'uncertain', statusCode: 0x40000000 });
    expect(sampleOf(withQuality(0x80340000))).toMatchObject({ quality: 'bad', statusCode: 0x80340000 });
    expect(withQuality('so-so')).toMatchObject({ kind: 'rejected', cause: 'bad-quality' });
  });

  it.each([
    ['malformed-json', 'plant/l/m/s', Buffer.from('{"value": 1,'), 'not JSON'],
    ['malformed-json', 'plant/l/m/s', Buffer.from([0xff, 0xfe, 0x00]), 'not UTF-8'],
    ['missing-value', 'plant/l/m/s', json({ val: 1, ts: 0 }), 'no value at "/value"'],
    ['wrong-type', 'plant/l/m/s', json({ value: { nested: 1 }, ts: 0 }), 'is an object'],
    ['wrong-type', 'plant/l/m/s', json({ value: null, ts: 0 }), 'is null'],
    ['wrong-type', 'plant/l/m/s', json({ value: [1, 'two'], ts: 0 }), 'array that is not all numbers'],
    ['bad-timestamp', 'plant/l/m/s', json({ value: 1 }), 'no timestamp at "/ts"'],
    ['bad-timestamp', 'plant/l/m/s', json({ value: 1, ts: 'soon' }), 'not ISO 8601'],
    ['wrong-type', 'raw/x', Buffer.from('twelve'), 'not a number'],
  ])('rejects with cause %s: %s %s', (cause, topic, payload, error) => {
    expect(mapper.map(topic, payload, RECEIVED_US)).toEqual({
      kind: 'rejected',
      cause,
      error: expect.stringContaining(error),
    });
  });

  it('reports a topic no subscription matches', () => {
    const narrow = mapperFor([{ topic: 'a/+' }]);
    expect(narrow.map('b/c', json(1), RECEIVED_US)).toEqual({ kind: 'unmatched' });
    expect(narrow.brokerFilters).toEqual(['a/+']);
  });
});

describe('MQTT connector configuration', () => {
  const base = { kind: 'mqtt', id: 'line-2', url: 'mqtt://broker:1883' } as const;

  it('fills the defaults: QoS 1, persistent session, whole payload as JSON value, topic as tag', () => {
    const config = mqttConnectorConfigSchema.parse({ ...base, subscriptions: [{ topic: 'a/#' }] });
    expect(config).toMatchObject({
      qos: 1,
      cleanSession: false,
      reconnectPeriodMs: 2000,
      subscriptions: [
        { topic: 'a/#', tag: '{topic}', valuePointer: '', timestampFormat: 'auto', payloadFormat: 'json' },
      ],
    });
  });

  it('names the key of a bad pattern, template, pointer or URL', () => {
    const issues = (input: unknown) =>
      mqttConnectorConfigSchema
        .safeParse(input)
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues({ ...base, subscriptions: [{ topic: 'a/#/b' }] })).toEqual([
      'subscriptions.0.topic: topic pattern "a/#/b": "#" must be the last segment',
    ]);
    expect(issues({ ...base, subscriptions: [{ topic: 'a/+line', tag: '{machine}' }] })[0]).toContain(
      'subscriptions.0.tag: tag template "{machine}" uses {machine}',
    );
    expect(issues({ ...base, subscriptions: [{ topic: 'a', valuePointer: 'value' }] })[0]).toContain(
      'subscriptions.0.valuePointer: JSON pointer "value" must be empty or start with "/"',
    );
    expect(
      issues({
        ...base,
        subscriptions: [{ topic: 'a', payloadFormat: 'raw-number', timestampPointer: '/t' }],
      })[0],
    ).toContain("subscriptions.0.timestampPointer: timestampPointer needs payloadFormat 'json'");
    expect(issues({ ...base, url: 'http://broker', subscriptions: [{ topic: 'a' }] })[0]).toContain('url:');
    expect(issues({ ...base, subscriptions: [{ topic: 'a' }], extra: 1 })[0]).toContain('extra');
  });
});
