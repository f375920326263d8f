// The topic catalogue against docs/architecture.md section 2 and against the topics documented in the .proto files.
import * as contracts from '../src';
import {
  catalogueWithPartitions,
  DEFAULT_PARTITIONS,
  eventTopics,
  topicCatalogue,
  topics,
  topicSpec,
  type TopicSpec,
} from '../src';
import { documentedTopics, protoMessageNames } from './proto-schema';

// kiln.<domain>.v1, where a domain may have parts: kiln.erp.order.v1, kiln.machine-state.v1.
const TOPIC_NAME = /^kiln\.[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.v1$/;
const MESSAGE_PACKAGE = 'kiln.events.v1.';

const perAssetTopics = topicCatalogue.filter((spec) => spec.key === 'asset-id');
const exportedByName: Readonly<Record<string, unknown>> = contracts;

function topicNamed(name: string): TopicSpec {
  const spec = topicSpec(name);
  if (spec === undefined) {
    throw new Error(`no topic ${name} in the catalogue`);
  }
  return spec;
}

describe('topic catalogue', () => {
  it.each(topicCatalogue.map((spec) => [spec.name]))(
    'names %s after the kiln.<domain>.v1 pattern',
    (name) => {
      expect(name).toMatch(TOPIC_NAME);
    },
  );

  it('has unique topic names', () => {
    const names = topicCatalogue.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every per-asset topic the same partition count, by default 12', () => {
    expect(DEFAULT_PARTITIONS).toBe(12);
    expect(perAssetTopics.length).toBeGreaterThan(1);
    expect(new Set(perAssetTopics.map((spec) => spec.partitions))).toEqual(new Set([DEFAULT_PARTITIONS]));
  });

  it('keys kiln.raw.v1 by source (connector + device), not by asset', () => {
    expect(topics.raw.name).toBe('kiln.raw.v1');
    expect(topics.raw.key).toBe('source-id');
  });

  it('keys every other event topic by asset id', () => {
    const otherEventTopics = topicCatalogue.filter(
      (spec) => spec.messageType !== undefined && spec !== topics.raw,
    );
    expect(otherEventTopics.filter((spec) => spec.key !== 'asset-id')).toEqual([]);
  });

  it('has a dead-letter topic that passes records on unchanged', () => {
    expect(topicSpec('kiln.dlq.v1')).toBe(topics.dlq);
    expect(topics.dlq.messageType).toBeUndefined();
    expect(topics.dlq.key).toBe('source-record');
  });

  it.each(topicCatalogue.map((spec) => [spec.name, spec]))(
    'keeps records of %s for a positive time',
    (_, spec) => {
      // -1 is Kafka's "forever"; anything else must be a positive whole number of milliseconds.
      expect(spec.retentionMs === -1 || (Number.isInteger(spec.retentionMs) && spec.retentionMs > 0)).toBe(
        true,
      );
    },
  );

  it.each(topicCatalogue.map((spec) => [spec.name, spec]))(
    'gives %s partitions and a description',
    (_, spec) => {
      expect(Number.isInteger(spec.partitions) && spec.partitions >= 1).toBe(true);
      expect(spec.description.trim()).not.toBe('');
    },
  );

  it('names only messages of kiln.events.v1 that the .proto files declare', () => {
    const declared = new Set(protoMessageNames());
    for (const spec of topicCatalogue) {
      if (spec.messageType === undefined) continue;
      expect(spec.messageType.startsWith(MESSAGE_PACKAGE)).toBe(true);
      expect(declared.has(spec.messageType.slice(MESSAGE_PACKAGE.length))).toBe(true);
    }
  });
});

describe('event topics', () => {
  const withMessage = topicCatalogue.filter((spec) => spec.messageType !== undefined);
  const eventTopicList = Object.values(eventTopics);

  it('give every topic with a message type a codec', () => {
    const covered = new Set(eventTopicList.map((eventTopic) => eventTopic.topic));
    expect(withMessage.filter((spec) => !covered.has(spec)).map((spec) => spec.name)).toEqual([]);
  });

  it('pair each topic with the codec of the message it names', () => {
    for (const eventTopic of eventTopicList) {
      const shortName = (eventTopic.topic.messageType ?? '').slice(MESSAGE_PACKAGE.length);
      expect({ topic: eventTopic.topic.name, codec: exportedByName[shortName] }).toEqual({
        topic: eventTopic.topic.name,
        codec: eventTopic.codec,
      });
    }
  });

  it('use the catalogue entry of the same id', () => {
    for (const [id, eventTopic] of Object.entries(eventTopics)) {
      expect(eventTopic.topic).toBe(topics[id as keyof typeof topics]);
    }
  });
});

describe('topics documented in the .proto files', () => {
  const documented = documentedTopics();

  it('are found (the comment parser still works)', () => {
    expect(documented.length).toBeGreaterThan(0);
  });

  it('match the catalogue: every event topic is documented on its message', () => {
    const fromProto = documented.map((doc) => ({
      name: doc.topic,
      messageType: MESSAGE_PACKAGE + doc.message,
    }));
    const fromCatalogue = topicCatalogue
      .filter((spec) => spec.messageType !== undefined)
      .map((spec) => ({ name: spec.name, messageType: spec.messageType }));
    expect(sortByName(fromProto)).toEqual(sortByName(fromCatalogue));
  });

  it.each(documented.map((doc) => [doc.topic, doc]))('key %s as the .proto says', (topicName, doc) => {
    const expectedKey = doc.keyField === 'source_id' ? 'source-id' : 'asset-id';
    expect(doc.keyField === 'source_id' || doc.keyField === 'asset_id').toBe(true);
    expect(topicNamed(topicName).key).toBe(expectedKey);
  });
});

describe('catalogueWithPartitions', () => {
  it('resizes every topic and keeps the rest of each spec', () => {
    const resized = catalogueWithPartitions(3);
    expect(resized.map((spec) => spec.partitions)).toEqual(topicCatalogue.map(() => 3));
    expect(resized.map(({ partitions: _, ...rest }) => rest)).toEqual(
      topicCatalogue.map(({ partitions: _, ...rest }) => rest),
    );
  });

  it('leaves the catalogue itself alone', () => {
    catalogueWithPartitions(1);
    expect(topics.telemetry.partitions).toBe(DEFAULT_PARTITIONS);
  });

  it.each([0, -12, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects %p partitions, naming the value',
    (bad) => {
      expect(() => catalogueWithPartitions(bad)).toThrow(
        new RangeError(`topic partitions must be a whole number >= 1, got ${String(bad)}`),
      );
    },
  );
});

describe('topicSpec', () => {
  it('finds a topic by name', () => {
    expect(topicSpec('kiln.machine-state.v1')).toBe(topics.machineState);
  });

  it('returns undefined for a name outside the catalogue', () => {
    expect(topicSpec('kiln.machine-state.v2')).toBeUndefined();
  });
});

function sortByName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}
