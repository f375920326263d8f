// The samples in kiln.dlq.v1 of the suite's broker: every record read from the start, the sample numbers found
// in it (an HTTP body, an MQTT JSON payload or a raw batch), the reasons named in its headers.
import { dlqHeaderNames, RawSampleBatch } from '@kiln/contracts';
import { Kafka, logLevel } from 'kafkajs';

export const DLQ_TOPIC = 'kiln.dlq.v1';

export interface DeadLetters {
  records: number;
  readonly sampleNumbers: Set<number>;
  /** Count per `kiln-dlq-service / kiln-dlq-error-kind`. */
  readonly reasons: Map<string, number>;
  readonly firstErrors: string[];
}

/** Sample numbers a dead-lettered payload carries (tags `seq/...` or an MQTT `{v, t}` body). */
export function sampleNumbersIn(payload: Buffer): number[] {
  const text = payload.toString('utf8');
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return numbersOfJson(parsed);
    } catch {
      return [];
    }
  }
  try {
    const batch = RawSampleBatch.decode(payload);
    return batch.samples.flatMap((sample) => {
      const kind = sample.value?.kind;
      if (!sample.tag.startsWith('seq/') || !kind) return [];
      return kind.$case === 'numberValue' || kind.$case === 'intValue' ? [kind.value] : [];
    });
  } catch {
    return [];
  }
}

function numbersOfJson(parsed: unknown): number[] {
  if (typeof parsed !== 'object' || parsed === null) return [];
  const body = parsed as { samples?: unknown; v?: unknown };
  if (typeof body.v === 'number') return [body.v];
  if (!Array.isArray(body.samples)) return [];
  return body.samples.flatMap((sample: unknown) => {
    if (typeof sample !== 'object' || sample === null) return [];
    const { tag, value } = sample as { tag?: unknown; value?: unknown };
    return typeof tag === 'string' && tag.startsWith('seq/') && typeof value === 'number' ? [value] : [];
  });
}

/** Reads the whole DLQ topic (bounded in time); an absent topic is an empty DLQ. */
export async function readDeadLetters(brokers: readonly string[], timeoutMs = 60_000): Promise<DeadLetters> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: 'chaos-dlq-reader',
    logLevel: logLevel.NOTHING,
  });
  const result: DeadLetters = { records: 0, sampleNumbers: new Set(), reasons: new Map(), firstErrors: [] };
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(DLQ_TOPIC)) return result;
    const offsets = await admin.fetchTopicOffsets(DLQ_TOPIC);
    ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map([...ends].filter(([, high]) => high > 0));
  if (remaining.size === 0) return result;
  const consumer = kafka.consumer({ groupId: `chaos-dlq-reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DLQ_TOPIC, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          result.records += 1;
          const header = (name: string) => message.headers?.[name]?.toString() ?? '?';
          const reason = `${header(dlqHeaderNames.service)}/${header(dlqHeaderNames.errorKind)}`;
          result.reasons.set(reason, (result.reasons.get(reason) ?? 0) + 1);
          if (result.firstErrors.length < 3)
            result.firstErrors.push(`${reason}: ${header(dlqHeaderNames.error)}`);
          for (const n of sampleNumbersIn(message.value ?? Buffer.alloc(0))) result.sampleNumbers.add(n);
          if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        },
      });
    });
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`reading ${DLQ_TOPIC} took over ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return result;
}
