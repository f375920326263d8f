// From an MQTT message to a sample: the first subscription whose topic matches decides the tag, where the
// value, timestamp and quality sit in the payload, and how they are read. Pure: no client, no clock.
import { CAUSE_OF_FIELD, sampleProblem } from '../sample-problems';
import type { Sample, SampleQuality, SampleValue } from '../types';
import { parseJsonPointer, resolveJsonPointer } from './json-pointer';
import type { MqttSubscriptionConfig } from './config';
import { parseSourceTime } from './source-time';
import { compileTopicPattern, renderTagTemplate, type TopicPattern } from './topic-pattern';

/** Causes of a rejected message, as the DLQ header and metric label name them. */
export type MqttRejectCause =
  | 'malformed-json'
  | 'missing-value'
  | 'wrong-type'
  | 'bad-timestamp'
  | 'bad-quality'
  | 'bad-tag'
  | 'bad-source';

export type MessageMappingResult =
  | { readonly kind: 'sample'; readonly sample: Sample }
  | { readonly kind: 'rejected'; readonly cause: MqttRejectCause; readonly error: string }
  | { readonly kind: 'unmatched' };

export interface MessageMapper {
  /** The filters to subscribe to at the broker, one per subscription, in configuration order. */
  readonly brokerFilters: readonly string[];
  map(topic: string, payload: Uint8Array, receiveTimeUs: number): MessageMappingResult;
}

interface CompiledSubscription {
  readonly config: MqttSubscriptionConfig;
  readonly pattern: TopicPattern;
  readonly valueTokens: readonly string[];
  readonly timestampTokens?: readonly string[];
  readonly qualityTokens?: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createMessageMapper(subscriptions: readonly MqttSubscriptionConfig[]): MessageMapper {
  const compiled: CompiledSubscription[] = subscriptions.map((config) => ({
    config,
    pattern: compileTopicPattern(config.topic),
    valueTokens: parseJsonPointer(config.valuePointer),
    ...(config.timestampPointer === undefined
      ? {}
      : { timestampTokens: parseJsonPointer(config.timestampPointer) }),
    ...(config.qualityPointer === undefined
      ? {}
      : { qualityTokens: parseJsonPointer(config.qualityPointer) }),
  }));
  return {
    brokerFilters: compiled.map((subscription) => subscription.pattern.brokerFilter),
    map: (topic, payload, receiveTimeUs) => {
      for (const subscription of compiled) {
        const captures = subscription.pattern.match(topic);
        if (captures === undefined) continue;
        const tag = renderTagTemplate(subscription.config.tag, topic, captures);
        return checked(mapPayload(subscription, tag, payload, receiveTimeUs));
      }
      return { kind: 'unmatched' };
    },
  };
}

/** A sample the pipeline cannot take (a tag or text with control characters, a time past 2255) is refused here. */
function checked(result: MessageMappingResult): MessageMappingResult {
  if (result.kind !== 'sample') return result;
  const problem = sampleProblem(result.sample);
  if (problem === undefined) return result;
  return { kind: 'rejected', cause: CAUSE_OF_FIELD[problem.field], error: problem.message };
}

function mapPayload(
  subscription: CompiledSubscription,
  tag: string,
  payload: Uint8Array,
  receiveTimeUs: number,
): MessageMappingResult {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    const cause = subscription.config.payloadFormat === 'json' ? 'malformed-json' : 'wrong-type';
    return { kind: 'rejected', cause, error: `payload of ${payload.byteLength} bytes is not UTF-8 text` };
  }
  switch (subscription.config.payloadFormat) {
    case 'raw-string':
      return { kind: 'sample', sample: { tag, value: text, quality: 'good', statusCode: 0, receiveTimeUs } };
    case 'raw-number': {
      const trimmed = text.trim();
      const value = trimmed === '' ? Number.NaN : Number(trimmed);
      if (!Number.isFinite(value)) {
        return { kind: 'rejected', cause: 'wrong-type', error: `payload "${clip(text)}" is not a number` };
      }
      return { kind: 'sample', sample: { tag, value, quality: 'good', statusCode: 0, receiveTimeUs } };
    }
    case 'json':
      return mapJson(subscription, tag, text, receiveTimeUs);
  }
}

function mapJson(
  subscription: CompiledSubscription,
  tag: string,
  text: string,
  receiveTimeUs: number,
): MessageMappingResult {
  const { config } = subscription;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'rejected', cause: 'malformed-json', error: `payload is not JSON: ${reason}` };
  }
  const resolved = resolveJsonPointer(document, subscription.valueTokens);
  if (!resolved.found) {
    return {
      kind: 'rejected',
      cause: 'missing-value',
      error: `payload has no value at "${config.valuePointer}"`,
    };
  }
  const value = toSampleValue(resolved.value);
  if (value === undefined) {
    return {
      kind: 'rejected',
      cause: 'wrong-type',
      error:
        `value at "${config.valuePointer}" is ${describeJsonType(resolved.value)}; expected a number, boolean, ` +
        'string or array of numbers',
    };
  }
  let sourceTimeUs: number | undefined;
  if (subscription.timestampTokens !== undefined) {
    const timestamp = resolveJsonPointer(document, subscription.timestampTokens);
    if (!timestamp.found) {
      return {
        kind: 'rejected',
        cause: 'bad-timestamp',
        error: `payload has no timestamp at "${config.timestampPointer ?? ''}"`,
      };
    }
    const parsed = parseSourceTime(timestamp.value, config.timestampFormat);
    if (!parsed.ok) return { kind: 'rejected', cause: 'bad-timestamp', error: parsed.error };
    sourceTimeUs = parsed.timeUs;
  }
  let quality: SampleQuality = 'good';
  let statusCode = 0;
  if (subscription.qualityTokens !== undefined) {
    const found = resolveJsonPointer(document, subscription.qualityTokens);
    if (found.found) {
      const read = readQuality(found.value);
      if (read === undefined) {
        return {
          kind: 'rejected',
          cause: 'bad-quality',
          error:
            `quality at "${config.qualityPointer ?? ''}" is ${clip(JSON.stringify(found.value))}; expected ` +
            '"good", "uncertain", "bad", a boolean or an OPC UA StatusCode',
        };
      }
      ({ quality, statusCode } = read);
    }
  }
  const sample: Sample =
    sourceTimeUs === undefined
      ? { tag, value, quality, statusCode, receiveTimeUs }
      : { tag, value, quality, statusCode, sourceTimeUs, receiveTimeUs };
  return { kind: 'sample', sample };
}

function toSampleValue(value: unknown): SampleValue | undefined {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item): item is number => typeof item === 'number')) return value;
  return undefined;
}

function readQuality(value: unknown): { quality: SampleQuality; statusCode: number } | undefined {
  if (typeof value === 'boolean') return { quality: value ? 'good' : 'bad', statusCode: 0 };
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'good' || lower === 'uncertain' || lower === 'bad')
      return { quality: lower, statusCode: 0 };
    return undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    // OPC UA Part 4, 7.39: the two top bits of a StatusCode are its severity (00 good, 01 uncertain, 1x bad).
    const severity = value >>> 30;
    return { quality: severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad', statusCode: value };
  }
  return undefined;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array that is not all numbers';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
