// Fuzzing Kafka record decoding (decodeEvent) for every event topic: random bytes, valid records with a byte
// changed, cut or appended, valid records of another topic, and random headers. Decoding either returns a message
// or throws EventDecodeError (which consumers dead-letter) naming the topic and where the record is wrong (a header
// or a field); never another error, never slowly.
import fc from 'fast-check';
import { fuzzRuns } from '@kiln/test-infra';
import {
  decodeEvent,
  encodeEvent,
  EventDecodeError,
  eventTopics,
  headerNames,
  protobufContentType,
  type EventTopic,
} from '../src';
import * as fixture from './fixtures';

const RUNS = fuzzRuns();
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

type TopicId = keyof typeof eventTopics;
const topicIds = Object.keys(eventTopics) as TopicId[];

const samples: Record<TopicId, Uint8Array> = {
  raw: encodeEvent(eventTopics.raw, fixture.rawSampleBatch).value,
  telemetry: encodeEvent(eventTopics.telemetry, fixture.telemetryBatch).value,
  machineState: encodeEvent(eventTopics.machineState, fixture.stateChangeEvent).value,
  productionCount: encodeEvent(eventTopics.productionCount, fixture.productionCountBatch).value,
  erpOrder: encodeEvent(eventTopics.erpOrder, fixture.productionOrder).value,
  erpShift: encodeEvent(eventTopics.erpShift, fixture.earlyShift).value,
  oee: encodeEvent(eventTopics.oee, fixture.shiftOeeResult).value,
  maintenanceAlert: encodeEvent(eventTopics.maintenanceAlert, fixture.bearingAlert).value,
  maintenanceHealth: encodeEvent(eventTopics.maintenanceHealth, fixture.pressHealth).value,
};

const validRecord = fc.constantFrom(...topicIds).map((id) => samples[id]);
const mutatedRecord = validRecord.chain((bytes) =>
  fc.oneof(
    fc
      .tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }))
      .map(([at, byte]) => Uint8Array.from(bytes, (old, i) => (i === at ? byte : old))),
    fc.nat({ max: bytes.length }).map((length) => bytes.slice(0, length)),
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map((tail) => Uint8Array.from([...bytes, ...tail])),
  ),
);
/** A varint of ten 0xff bytes: an int64 past 2^63, or a length no record has. */
const hostileVarints = fc
  .tuple(fc.integer({ min: 1, max: 15 }), fc.constantFrom(0, 2))
  .map(([field, wireType]) =>
    Uint8Array.from([(field << 3) | wireType, ...new Array<number>(9).fill(0xff), 0x01]),
  );
const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), validRecord, mutatedRecord, hostileVarints);

const contentTypes = fc.oneof(
  fc.constantFrom(...Object.values(eventTopics).map((t) => protobufContentType(t.topic.messageType ?? 'x'))),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('application/json', 'application/x-protobuf', ''),
);
const headers = fc.option(
  fc.oneof(
    fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 20 }), { maxKeys: 4 }),
    contentTypes.map((contentType) => ({ [headerNames.contentType]: contentType })),
  ),
  { nil: undefined },
);

function decodeOnce<T>(
  topic: EventTopic<T>,
  value: Uint8Array,
  recordHeaders: Record<string, string> | undefined,
): void {
  const started = process.cpuUsage();
  try {
    decodeEvent(topic, value, recordHeaders);
  } catch (error) {
    expect(error).toBeInstanceOf(EventDecodeError);
    const message = String((error as Error).message);
    expect(message).toContain(topic.topic.name);
    expect(message).toMatch(
      /header content-type|at byte \d+ \((field \d+|a field tag)\)|message of \d+ bytes/,
    );
  }
  const elapsedMs = cpuMs(process.cpuUsage(started));
  if (elapsedMs > TIME_BOUND_MS) throw new Error(`decoding took ${elapsedMs.toFixed(0)} ms`);
}

describe('Kafka event decode fuzzing', () => {
  it(`Kafka event decode: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...topicIds), bytes, headers, (id, value, recordHeaders) => {
        decodeOnce(eventTopics[id] as EventTopic<unknown>, value, recordHeaders);
      }),
      { numRuns: RUNS },
    );
  });
});
