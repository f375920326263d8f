// Acceptance (issue 14, defect 3): an edge node made of mqtt.js and the Tahu protobuf classes publishes every
// Sparkplug 3.0 datatype through the real Mosquitto into ingestion (in process, real buffer, real Kafka). Every
// value arrives in kiln.raw.v1 with its documented encoding or is in kiln.dlq.v1 with its cause, naming the metric
// and its datatype; none vanishes. Then data by alias: a historical value at its own time, a transient value
// counted and not emitted, GZIP and DEFLATE compressed payloads inflated, a zip bomb dead-lettered.
import { connectAsync, type MqttClient } from 'mqtt';
import { gzipSync } from 'node:zlib';
import { dlqHeaderNames } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { SparkplugDataType as T } from '../../src/connectors/sparkplug/metric-value';
import {
  compressed,
  DATATYPE_CASES,
  everyDatatypeBirth,
  ProtoPayload,
  type ExpectedValue,
  type ProtoMetric,
} from '../sparkplug/every-datatype';
import {
  counterValues,
  startIngestionInProcess,
  type IngestionInProcess,
} from '../support/ingestion-in-process';
import { startTopicReader, type PlainValue, type TopicReader } from '../support/topic-reader';

jest.setTimeout(90_000);

const EDGE = 'edge-all-types';

/** A value as kiln.raw.v1 carries it: int_value decodes as a number. */
const onTheWire = (value: ExpectedValue): PlainValue => (typeof value === 'bigint' ? Number(value) : value);

describeWith(['kafka', 'mqtt'], 'acceptance: every Sparkplug 3.0 datatype through Mosquitto to Kafka', () => {
  const { mqttUrl } = serviceEndpoints();
  const groupId = uniqueName('kiln-datatypes');
  const hostId = uniqueName('kiln-host');
  const connectorId = uniqueName('sparkplug-datatypes');
  const sourceId = `sparkplug/${groupId}/${EDGE}`;
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;
  let edge: MqttClient | undefined;

  afterAll(async () => {
    if (edge !== undefined) {
      // The host's retained STATE would stay in the broker for ever: remove it.
      await edge.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
      await edge.endAsync();
    }
    await running?.stop();
    await reader?.close();
  }, 30_000);

  it('ingests or dead-letters every datatype with its cause, and reads historical, transient and compressed data', async () => {
    reader = await startTopicReader('sparkplug-datatypes', {
      keepSource: (id) => id === sourceId,
      keepDeadLetter: (record) => record.headers[dlqHeaderNames.consumerGroup] === `connector/${connectorId}`,
    });
    running = await startIngestionInProcess('sparkplug-datatypes', [
      {
        kind: 'sparkplug',
        id: connectorId,
        url: mqttUrl,
        hostId,
        groups: [groupId],
        reorderTimeoutMs: 300,
        maxDecompressedBytes: 1024 * 1024,
      },
    ]);
    const host = running;
    const kafka = reader;
    await waitUntil(() => host.stateOf(connectorId) === 'connected', {
      timeoutMs: 15_000,
      what: 'the Sparkplug host to be online',
    });
    const client = await connectAsync(mqttUrl, { clientId: uniqueName('kiln-test-edge') });
    edge = client;
    const publish = (type: string, payload: Uint8Array) =>
      client.publishAsync(`spBv1.0/${groupId}/${type}/${EDGE}`, Buffer.from(payload), { qos: 1 });
    const nowMs = Date.now();
    const aliasOf = (name: string): number =>
      Number(DATATYPE_CASES.find((entry) => entry.metric.name === name)?.metric.alias ?? -1);
    const data = (seq: number, metrics: ProtoMetric[]) =>
      ProtoPayload.encode({ timestamp: nowMs + seq, seq, metrics }).finish();

    // 1. The birth: every datatype.
    await publish('NBIRTH', everyDatatypeBirth(0, nowMs));
    // 2. A historical value two hours back (an edge node's store and forward), a transient one.
    const earlierMs = nowMs - 2 * 3600_000;
    await publish(
      'NDATA',
      data(1, [
        { alias: aliasOf('F64'), doubleValue: 7.25, isHistorical: true, timestamp: earlierMs },
        { alias: aliasOf('F32'), floatValue: 1.5, isTransient: true },
      ]),
    );
    // 3. Compressed data, both algorithms.
    await publish(
      'NDATA',
      compressed(
        data(2, [
          { alias: aliasOf('F64'), doubleValue: 3.5 },
          { alias: aliasOf('Words'), bytesValue: Buffer.from('x\u0000') },
        ]),
        'GZIP',
        nowMs,
      ),
    );
    await publish(
      'NDATA',
      compressed(data(3, [{ alias: aliasOf('F64'), doubleValue: 4.5 }]), 'DEFLATE', nowMs),
    );
    // 4. A zip bomb: 64 MiB of zeros in a few tens of KiB.
    const bomb = ProtoPayload.encode({
      timestamp: nowMs,
      uuid: 'SPBV1.0_COMPRESSED',
      body: gzipSync(Buffer.alloc(64 * 1024 * 1024)),
      metrics: [{ name: 'algorithm', datatype: T.String, stringValue: 'GZIP' }],
    }).finish();
    await publish('NDATA', bomb);

    const expectedSamples = DATATYPE_CASES.flatMap((entry) => Object.entries(entry.samples ?? {}));
    const expectedCauses = new Set([
      ...DATATYPE_CASES.flatMap((entry) => (entry.cause === undefined ? [] : [entry.cause])),
      'decompressed-too-large',
    ]);
    const causesSeen = (): Set<string> =>
      new Set(kafka.deadLetters.map((record) => record.headers[dlqHeaderNames.errorKind] ?? ''));
    await waitUntil(
      () =>
        kafka.samplesOf(sourceId, 'F64').length >= 4 &&
        expectedSamples.every(([tag]) => kafka.samplesOf(sourceId, tag).length > 0) &&
        [...expectedCauses].every((cause) => causesSeen().has(cause)),
      {
        timeoutMs: 20_000,
        what: 'every datatype in kiln.raw.v1 or kiln.dlq.v1',
        describe: () =>
          `missing samples: ${expectedSamples
            .filter(([tag]) => kafka.samplesOf(sourceId, tag).length === 0)
            .map(([tag]) => tag)
            .join(', ')}; dead letters: ${[...causesSeen()].join(', ')}`,
      },
    );

    // Every case: its samples with their encoding, at the birth time ...
    const born = (tag: string) =>
      kafka.samplesOf(sourceId, tag).filter((sample) => sample.sourceTimeUs === nowMs * 1000);
    for (const [tag, value] of expectedSamples) {
      expect({ tag, values: born(tag).map((sample) => sample.value) }).toEqual({
        tag,
        values: [onTheWire(value)],
      });
    }
    // ... or a dead letter of its cause whose error names the metric and its datatype.
    const errorsOf = (cause: string): string[] =>
      kafka.deadLetters
        .filter((record) => record.headers[dlqHeaderNames.errorKind] === cause)
        .map((record) => record.headers[dlqHeaderNames.error] ?? '');
    for (const entry of DATATYPE_CASES) {
      if (entry.cause === undefined) continue;
      const name = entry.metric.name ?? '';
      expect(errorsOf(entry.cause).some((error) => error.includes(`${name}: ${entry.datatype}`))).toBe(true);
      expect(kafka.samplesOf(sourceId).filter((sample) => sample.tag.startsWith(name))).toEqual([]);
    }
    // No other sample and no other dead letter: nothing half-read.
    const known = new Set(['bdSeq', ...expectedSamples.map(([tag]) => tag)]);
    expect(kafka.samplesOf(sourceId).filter((sample) => !known.has(sample.tag))).toEqual([]);
    expect([...causesSeen()].sort()).toEqual([...expectedCauses].sort());
    const rejected = await counterValues(host.registry, 'kiln_ingestion_rejected_total');
    for (const cause of expectedCauses) {
      expect(
        rejected.find((entry) => entry.labels['connector'] === connectorId && entry.labels['cause'] === cause)
          ?.value,
      ).toBeGreaterThanOrEqual(1);
    }

    // The historical value at its own time; the compressed ones inflated; the transient one only counted.
    expect(
      kafka.samplesOf(sourceId, 'F64').map((sample) => [sample.value, sample.sourceTimeUs / 1000]),
    ).toEqual([
      [2.5, nowMs],
      [7.25, earlierMs],
      [3.5, nowMs + 2],
      [4.5, nowMs + 3],
    ]);
    expect(kafka.samplesOf(sourceId, 'Words').map((sample) => sample.value)).toEqual([
      '["ABC","hello"]',
      '["x"]',
    ]);
    expect(kafka.samplesOf(sourceId, 'F32').map((sample) => sample.value)).toEqual([0.1]);
    const skipped = await counterValues(host.registry, 'kiln_sparkplug_values_skipped_total');
    expect(
      skipped.find(
        (entry) => entry.labels['connector'] === connectorId && entry.labels['cause'] === 'transient',
      )?.value,
    ).toBe(1);
    const bombLetter = kafka.deadLetters.find(
      (record) => record.headers[dlqHeaderNames.errorKind] === 'decompressed-too-large',
    );
    expect(Buffer.from(bombLetter?.value ?? []).equals(Buffer.from(bomb))).toBe(true);
    expect(bombLetter?.headers[dlqHeaderNames.error]).toMatch(/inflates to more than 1048576 bytes/);
  });
});
