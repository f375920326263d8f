// Each event topic paired with the generated codec of its values, so that producers and consumers
// encode and decode through the catalogue rather than by naming messages again.
import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { ProductionOrder, Shift } from './gen/kiln/events/v1/erp';
import { MachineStateEvent } from './gen/kiln/events/v1/machine_state';
import { AssetHealth, MaintenanceAlert } from './gen/kiln/events/v1/maintenance';
import { OeeResult } from './gen/kiln/events/v1/oee';
import { ProductionCountBatch } from './gen/kiln/events/v1/production_count';
import { RawSampleBatch } from './gen/kiln/events/v1/raw';
import { TelemetryBatch } from './gen/kiln/events/v1/telemetry';
import { headerNames, messageTypeOf, protobufContentType, SCHEMA_VERSION } from './headers';
import { PermanentError } from './record-errors';
import { topics, type TopicSpec } from './topics';

/** The part of a ts-proto message codec that Kiln uses. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: Partial<T>): T;
  toJSON(message: T): unknown;
  fromJSON(object: unknown): T;
}

export interface EventTopic<T> {
  readonly topic: TopicSpec;
  readonly codec: MessageCodec<T>;
  /** Extracts the record key (asset id or source id) from a value. */
  readonly keyOf: (value: T) => string;
}

function eventTopic<T>(topic: TopicSpec, codec: MessageCodec<T>, keyOf: (value: T) => string): EventTopic<T> {
  return { topic, codec, keyOf };
}

export const eventTopics = {
  raw: eventTopic(topics.raw, RawSampleBatch, (batch) => batch.sourceId),
  telemetry: eventTopic(topics.telemetry, TelemetryBatch, (batch) => batch.assetId),
  machineState: eventTopic(topics.machineState, MachineStateEvent, (event) => event.assetId),
  productionCount: eventTopic(topics.productionCount, ProductionCountBatch, (batch) => batch.assetId),
  erpOrder: eventTopic(topics.erpOrder, ProductionOrder, (order) => order.assetId),
  erpShift: eventTopic(topics.erpShift, Shift, (shift) => shift.assetId),
  oee: eventTopic(topics.oee, OeeResult, (result) => result.assetId),
  maintenanceAlert: eventTopic(topics.maintenanceAlert, MaintenanceAlert, (alert) => alert.assetId),
  maintenanceHealth: eventTopic(topics.maintenanceHealth, AssetHealth, (health) => health.assetId),
} as const;

/** A value encoded for its topic: key, bytes and the standard headers (trace context is added by the bus). */
export interface EncodedEvent {
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

export function encodeEvent<T>(eventTopic: EventTopic<T>, value: T): EncodedEvent {
  const messageType = eventTopic.topic.messageType ?? 'unknown';
  return {
    key: eventTopic.keyOf(value),
    value: eventTopic.codec.encode(value).finish(),
    headers: {
      [headerNames.contentType]: protobufContentType(messageType),
      [headerNames.schemaVersion]: SCHEMA_VERSION,
    },
  };
}

/**
 * Raised when a record's bytes are not a valid message of its topic: permanent, so a subscription's decode step
 * dead-letters such a record at once.
 */
export class EventDecodeError extends PermanentError {
  constructor(
    readonly topic: string,
    readonly reason: string,
  ) {
    super(`cannot decode a record of ${topic} as ${topicMessage(topic)}: ${reason}`);
    this.name = 'EventDecodeError';
  }
}

function topicMessage(topicName: string): string {
  return (
    Object.values(eventTopics).find((t) => t.topic.name === topicName)?.topic.messageType ?? 'its message'
  );
}

/**
 * Decodes a record value of the topic. Where `headers` carry a content-type, it must name the topic's message:
 * protobuf bytes of another message often decode without error, so the header is the only way to tell.
 */
export function decodeEvent<T>(
  eventTopic: EventTopic<T>,
  bytes: Uint8Array,
  headers?: Readonly<Record<string, string>>,
): T {
  const topicName = eventTopic.topic.name;
  const contentType = headers?.[headerNames.contentType];
  if (contentType !== undefined && messageTypeOf(contentType) !== eventTopic.topic.messageType) {
    throw new EventDecodeError(
      topicName,
      `header ${headerNames.contentType} is '${contentType}', expected one naming ${String(eventTopic.topic.messageType)}`,
    );
  }
  const fields = topLevelFields(topicName, bytes);
  try {
    return eventTopic.codec.decode(bytes);
  } catch (error) {
    throw new EventDecodeError(topicName, `${whereDecodeFails(eventTopic, bytes, fields)}${reasonOf(error)}`);
  }
}

interface FieldSpan {
  readonly fieldNo: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Walks the top-level fields and throws on an illegal tag (field number 0, wire type 6 or 7, a stray end-group)
 * or a field running past the end, naming the byte and field. The generated decoders stop silently at a 0 or
 * end-group tag, so bytes such as a schema-registry frame (leading 0x00) would otherwise decode as an empty message
 * instead of being dead-lettered.
 */
function topLevelFields(topicName: string, bytes: Uint8Array): FieldSpan[] {
  const reader = new BinaryReader(bytes);
  const fields: FieldSpan[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    let fieldNo: number | undefined;
    try {
      const [number, wireType] = reader.tag();
      fieldNo = number;
      reader.skip(wireType, number);
    } catch (error) {
      const field = fieldNo === undefined ? 'a field tag' : `field ${fieldNo}`;
      throw new EventDecodeError(topicName, `at byte ${start} (${field}): ${reasonOf(error)}`);
    }
    fields.push({ fieldNo, start, end: reader.pos });
  }
  return fields;
}

/** Which top-level field the decoder refuses, decoding each alone; only on the failure path. */
function whereDecodeFails<T>(
  eventTopic: EventTopic<T>,
  bytes: Uint8Array,
  fields: readonly FieldSpan[],
): string {
  for (const field of fields) {
    try {
      eventTopic.codec.decode(bytes.subarray(field.start, field.end));
    } catch {
      return `at byte ${field.start} (field ${field.fieldNo}): `;
    }
  }
  return `in the message of ${bytes.byteLength} bytes: `;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
