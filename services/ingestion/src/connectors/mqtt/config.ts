// Configuration of an MQTT JSON connector: which topics it reads and how a payload becomes a sample.
import { z } from 'zod';
import { parseJsonPointer } from './json-pointer';
import { mqttConnectionShape } from './connection';
import { compileTopicPattern, unknownPlaceholders } from './topic-pattern';

const jsonPointerSchema = z.string().superRefine((pointer, context) => {
  try {
    parseJsonPointer(pointer);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

export const mqttSubscriptionSchema = z
  .strictObject({
    /**
     * MQTT filter with `+` and `#`; a wildcard may carry a name (`plant/+line/+machine/+signal`, `site/#rest`)
     * for the tag template. Unnamed wildcards are captured by position (`{1}` is the first).
     */
    topic: z.string().min(1),
    /** Tag of the samples: `{name}`, `{1}` and `{topic}` are replaced; default the topic itself. */
    tag: z.string().min(1).default('{topic}'),
    /** RFC 6901 pointer to the value; '' (default) is the whole payload, e.g. `/value` or `/data/0/temp`. */
    valuePointer: jsonPointerSchema.default(''),
    /** RFC 6901 pointer to the source timestamp; without it the sample has no source time. */
    timestampPointer: jsonPointerSchema.optional(),
    /**
     * How to read the timestamp; default `auto`: a number is epoch milliseconds, a string ISO 8601 (a string
     * of digits is epoch milliseconds too). ISO times without a zone are taken as UTC (docs/architecture.md section 5).
     */
    timestampFormat: z.enum(['auto', 'iso', 'epoch-ms', 'epoch-s', 'epoch-us']).default('auto'),
    /**
     * RFC 6901 pointer to a quality: `good` / `uncertain` / `bad` (any case), a boolean (true = good) or an
     * OPC UA StatusCode number. Absent in a payload: good.
     */
    qualityPointer: jsonPointerSchema.optional(),
    /** `json` (default); `raw-number` / `raw-string`: the whole payload is the value as text, no pointers. */
    payloadFormat: z.enum(['json', 'raw-number', 'raw-string']).default('json'),
  })
  .superRefine((subscription, context) => {
    let pattern;
    try {
      pattern = compileTopicPattern(subscription.topic);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        path: ['topic'],
        message: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    const unknown = unknownPlaceholders(subscription.tag, pattern);
    if (unknown.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['tag'],
        message:
          `tag template "${subscription.tag}" uses ${unknown.map((key) => `{${key}}`).join(', ')}, which ` +
          `topic "${subscription.topic}" does not capture (known: {topic}` +
          `${pattern.captureNames.map((name) => `, {${name}}`).join('')}` +
          `${pattern.wildcardCount > 0 ? `, {1}..{${pattern.wildcardCount}}` : ''})`,
      });
    }
    if (subscription.payloadFormat !== 'json') {
      for (const key of ['timestampPointer', 'qualityPointer'] as const) {
        if (subscription[key] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} needs payloadFormat 'json'; a ${subscription.payloadFormat} payload has no structure`,
          });
        }
      }
      if (subscription.valuePointer !== '') {
        context.addIssue({
          code: 'custom',
          path: ['valuePointer'],
          message: `valuePointer needs payloadFormat 'json'; a ${subscription.payloadFormat} payload is the value`,
        });
      }
    }
  });

export const mqttConnectorConfigSchema = z.strictObject({
  kind: z.literal('mqtt'),
  ...mqttConnectionShape,
  /** QoS of the subscriptions. 1 (default): the broker redelivers what the connector did not acknowledge. */
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  /**
   * false (default): a persistent session, so QoS 1/2 messages the broker queued while the connector was
   * away are delivered on reconnect. Needs a stable clientId (the default one is).
   */
  cleanSession: z.boolean().default(false),
  /** Tried in order for each message; the first whose topic matches makes the sample. */
  subscriptions: z.array(mqttSubscriptionSchema).min(1),
});

export type MqttConnectorConfig = z.infer<typeof mqttConnectorConfigSchema>;
export type MqttConnectorConfigInput = z.input<typeof mqttConnectorConfigSchema>;
export type MqttSubscriptionConfig = z.infer<typeof mqttSubscriptionSchema>;
