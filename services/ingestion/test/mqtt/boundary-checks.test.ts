// Regressions found by fuzzing the MQTT message mapping (test/mqtt-json.fuzz.test.ts): each input was once turned
// into a sample the pipeline or the database cannot take; now it is refused, naming the field.
import { mqttConnectorConfigSchema } from '../../src/connectors/mqtt/config';
import { createMessageMapper } from '../../src/connectors/mqtt/message-mapping';

const mapper = createMessageMapper(
  mqttConnectorConfigSchema.parse({
    kind: 'mqtt',
    id: 'unit',
    url: 'mqtt://broker:1883',
    subscriptions: [
      { topic: 'text/+', payloadFormat: 'raw-string' },
      { topic: 'timed/#', valuePointer: '/v', timestampPointer: '/ts' },
      { topic: '#', valuePointer: '/v' },
    ],
  }).subscriptions,
);
const RECEIVED_US = 1_760_000_000_000_000;
const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describe('MQTT message mapping at the boundary', () => {
  it('refuses a topic with U+0000, which becomes the tag', () => {
    expect(mapper.map('plant\u0000/m1', json({ v: 1 }), RECEIVED_US)).toEqual({
      kind: 'rejected',
      cause: 'bad-tag',
      error:
        'tag "plant\\u0000/m1" holds the character U+0000 at position 5; control characters are not accepted',
    });
  });

  it('refuses a text value with U+0000 instead of passing it to PostgreSQL', () => {
    expect(mapper.map('m/1', json({ v: 'jam\u0000' }), RECEIVED_US)).toMatchObject({
      kind: 'rejected',
      cause: 'wrong-type',
      error: expect.stringContaining('value of tag "m/1" holds the character U+0000'),
    });
    expect(mapper.map('text/1', Buffer.from('x'.repeat(5_000)), RECEIVED_US)).toMatchObject({
      kind: 'rejected',
      error: 'value of tag "text/1" is 5000 characters long, at most 4096 expected',
    });
  });

  it('refuses a source time before 1970 or past what int64 µs and the database hold', () => {
    for (const ts of [-1, '1969-12-31T23:59:59Z', '0000-01-01T00:00:00Z']) {
      expect(mapper.map('timed/1', json({ v: 1, ts }), RECEIVED_US)).toMatchObject({
        kind: 'rejected',
        cause: 'bad-timestamp',
        error: expect.stringMatching(
          /^sourceTimeUs of tag "timed\/1" is .* us, not a time between 1970 and \d+$/,
        ),
      });
    }
  });
});
