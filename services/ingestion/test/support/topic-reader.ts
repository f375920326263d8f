// Reads kiln.raw.v1 and kiln.dlq.v1 back from the shared Kafka for acceptance tests. Other suites write to
// the same topics, so the reader keeps only what the test's own (uniquely named) sources produced, and
// reads with a consumer group of its own from the beginning (no race with the first records).
import { KafkaBus, type BusRecord } from '@kiln/bus';
import { decodeEvent, eventTopics, Quality, topics, type RawSample, type Value } from '@kiln/contracts';
import { serviceEndpoints, uniqueName } from '@kiln/test-infra';

export interface ReadSample {
  readonly sourceId: string;
  readonly connector: string;
  readonly tag: string;
  readonly value: PlainValue;
  readonly quality: Quality;
  readonly sourceTimeUs: number;
  readonly receiveTimeUs: number;
}

export type PlainValue = number | boolean | string | readonly number[] | undefined;

export interface TopicReaderOptions {
  /** Keeps the raw batches of these sources. */
  readonly keepSource: (sourceId: string) => boolean;
  /** Keeps these dead letters (default none: kiln.dlq.v1 is not read). */
  readonly keepDeadLetter?: (record: BusRecord) => boolean;
}

export interface TopicReader {
  /** Kept samples, in the order of their partition (per source: the order ingestion published them). */
  readonly samples: ReadSample[];
  readonly deadLetters: BusRecord[];
  samplesOf(sourceId: string, tag?: string): ReadSample[];
  close(): Promise<void>;
}

export async function startTopicReader(name: string, options: TopicReaderOptions): Promise<TopicReader> {
  const samples: ReadSample[] = [];
  const deadLetters: BusRecord[] = [];
  const keepDeadLetter = options.keepDeadLetter;
  const bus = new KafkaBus({
    brokers: serviceEndpoints().kafkaBrokers,
    clientId: uniqueName(`${name}-reader`),
    service: 'acceptance-test',
  });
  try {
    await bus.provision([topics.raw, topics.dlq]);
    await bus.subscribe({
      groupId: uniqueName(`${name}-check`),
      topics: keepDeadLetter === undefined ? [topics.raw.name] : [topics.raw.name, topics.dlq.name],
      fromBeginning: true,
      handler: async (batch) => {
        for (const record of batch.records) {
          if (record.topic === topics.dlq.name) {
            if (keepDeadLetter?.(record) === true) deadLetters.push(record);
            continue;
          }
          // The key is the source id, or for MQTT `<source id>#<n>` (docs/architecture.md section 2).
          if (!options.keepSource(record.key.replace(/#\d+$/, ''))) continue;
          const decoded = decodeEvent(eventTopics.raw, record.value, record.headers);
          if (!options.keepSource(decoded.sourceId)) continue;
          for (const sample of decoded.samples)
            samples.push(readSample(decoded.sourceId, decoded.connector, sample));
        }
      },
    });
  } catch (error) {
    await bus.close();
    throw error;
  }
  return {
    samples,
    deadLetters,
    samplesOf: (sourceId, tag) =>
      samples.filter((sample) => sample.sourceId === sourceId && (tag === undefined || sample.tag === tag)),
    close: () => bus.close(),
  };
}

function readSample(sourceId: string, connector: string, sample: RawSample): ReadSample {
  return {
    sourceId,
    connector,
    tag: sample.tag,
    value: plainValue(sample.value),
    quality: sample.quality,
    sourceTimeUs: sample.sourceTimeUs,
    receiveTimeUs: sample.receiveTimeUs,
  };
}

export function plainValue(value: Value | undefined): PlainValue {
  const kind = value?.kind;
  if (kind === undefined) return undefined;
  return kind.$case === 'arrayValue' ? kind.value.values : kind.value;
}
