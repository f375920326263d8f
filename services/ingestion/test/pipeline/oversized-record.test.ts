// Issue 13, defect 2: a 1 MB malformed body was dead-lettered into the store-and-forward buffer whole; the bus
// refuses records over 900 KiB, so the forwarder retried that head entry for ever, nothing was published after
// it, readiness stayed green and a restart did not help. Now dead-lettered payloads are cut to a bound before the
// buffer, an entry the bus refuses for good is dead-lettered and passed, and readiness names an entry that waits
// too long.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dlqHeaderNames, topics } from '@kiln/contracts';
import { createLogger } from '@kiln/service-kit';
import { describeWith, uniqueName, waitUntil } from '@kiln/test-infra';
import { DiskBuffer } from '../../src/buffer/disk-buffer';
import type { HttpConnector } from '../../src/connectors/http';
import { startIngestionInProcess, type IngestionInProcess } from '../support/ingestion-in-process';
import { startTopicReader, type TopicReader } from '../support/topic-reader';
import { post, startPipeline, type PipelineUnderTest } from './support';

const MB = 1_000_000;
const silent = createLogger({ service: 'oversized-test', level: 'silent' });

describeWith(['kafka'], 'a 1 MB malformed body through Kafka', () => {
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;
  afterEach(async () => {
    await running?.stop();
    await reader?.close();
  });

  it('is dead-lettered cut to the configured bound, and the samples after it are published', async () => {
    const id = uniqueName('http-oversized');
    reader = await startTopicReader('oversized', {
      keepSource: (sourceId) => sourceId === `http/${id}-good`,
      keepDeadLetter: (record) => record.headers[dlqHeaderNames.consumerGroup] === `connector/${id}`,
    });
    running = await startIngestionInProcess('oversized', [{ kind: 'http', id, host: '127.0.0.1', port: 0 }]);
    const { port } = (running.ingestion.connectors[0] as HttpConnector).address();
    const url = `http://127.0.0.1:${port}/api/v1/samples`;

    const body = Buffer.alloc(MB, 'x');
    body.write('{"source": ', 0);
    expect((await post(url, body)).status).toBe(400);
    for (let n = 0; n < 3; n += 1) {
      const response = await post(url, { source: `${id}-good`, samples: [{ tag: 't', value: n }] });
      expect(response.status).toBe(202);
    }
    const kafka = reader;
    await waitUntil(() => kafka.samples.length === 3 && kafka.deadLetters.length === 1, {
      timeoutMs: 20_000,
      what: 'three samples in kiln.raw.v1 and the dead letter in kiln.dlq.v1',
      describe: () => `${kafka.samples.length} samples, ${kafka.deadLetters.length} dead letters`,
    });
    expect(kafka.samples.map((sample) => sample.value)).toEqual([0, 1, 2]);
    const [deadLetter] = kafka.deadLetters;
    expect(deadLetter?.value.byteLength).toBe(256 * 1024);
    expect(
      Buffer.from(deadLetter?.value ?? [])
        .subarray(0, 11)
        .toString(),
    ).toBe('{"source": ');
    expect(deadLetter?.headers['kiln-dlq-payload-truncated-from']).toBe(String(MB));
    expect(deadLetter?.headers[dlqHeaderNames.errorKind]).toBe('malformed-json');
  });
});

describe('an entry the bus refuses for good', () => {
  let running: PipelineUnderTest | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('left at the head of the buffer by an earlier run is dead-lettered and passed, and what follows is published', async () => {
    const directory = join(uniqueDir(), 'buffer');
    mkdirSync(directory, { recursive: true });
    // What the old code wrote: the whole 1 MB body as a dead letter, then a batch of samples behind it.
    const earlier = await DiskBuffer.open({
      directory,
      maxBytes: 1024 * 1024 * 1024,
      segmentBytes: 16 * 1024 * 1024,
      fsync: 'always',
      fsyncIntervalMs: 1_000,
      overflow: 'drop-oldest',
      logger: silent,
    });
    earlier.append({
      topic: topics.dlq.name,
      key: 'http/push',
      headers: { [dlqHeaderNames.errorKind]: 'malformed-json', [dlqHeaderNames.service]: 'ingestion' },
      value: Buffer.alloc(MB, 'x'),
      samples: 0,
    });
    await earlier.close();

    running = await startPipeline('oversized-head', { buffer: { directory, fsync: 'never' } });
    const pipeline = running;
    await waitUntil(
      () => pipeline.deadLetters.length === 1 && pipeline.ingestion.buffer.stats().entries === 0,
      {
        timeoutMs: 10_000,
        what: 'the refused entry dead-lettered and the buffer empty',
      },
    );
    const [deadLetter] = pipeline.deadLetters;
    expect(deadLetter?.value.byteLength).toBe(256 * 1024);
    expect(deadLetter?.headers['kiln-dlq-payload-truncated-from']).toBe(String(MB));
    expect(deadLetter?.headers[dlqHeaderNames.errorKind]).toBe('malformed-json');
  });

  it('a sample batch over the record limit is split, a single sample over it is dead-lettered', async () => {
    running = await startPipeline('oversized-batch', {
      // The estimate lets 200 arrays of 1,000 numbers into one batch; encoded they are ~1.6 MB.
      batching: { maxBytes: 900 * 1024, maxSamples: 1_000, lingerMs: 10 },
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0, maxBodyBytes: 8 * MB }],
    });
    const { port } = (running.ingestion.connectors[0] as HttpConnector).address();
    const url = `http://127.0.0.1:${port}/api/v1/samples`;
    const waveform = Array.from({ length: 1_000 }, (_, i) => i + 0.5);
    const many = Array.from({ length: 100 }, (_, n) => ({ tag: `w${n}`, value: waveform }));
    expect((await post(url, { source: 'scope', samples: many })).status).toBe(202);
    const huge = Array.from({ length: 200_000 }, (_, i) => i + 0.25);
    expect((await post(url, { source: 'scope', samples: [{ tag: 'huge', value: huge }] })).status).toBe(202);
    expect((await post(url, { source: 'scope', samples: [{ tag: 'after', value: 1 }] })).status).toBe(202);
    const pipeline = running;
    await waitUntil(
      () =>
        pipeline.samples.some((entry) => entry.sample.tag === 'after') && pipeline.deadLetters.length === 1,
      { timeoutMs: 10_000, what: 'every sample published and the huge one dead-lettered' },
    );
    expect(pipeline.samples.map((entry) => entry.sample.tag)).toEqual([...many.map((s) => s.tag), 'after']);
    expect(pipeline.deadLetters[0]?.headers[dlqHeaderNames.error]).toMatch(
      /huge.*over the .*-byte record limit/,
    );
  });
});

describe('readiness of the store-and-forward buffer', () => {
  it('fails while the oldest unsent entry is older than the threshold, and passes once it is sent', async () => {
    const running = await startPipeline(
      'unsent-age',
      {
        readiness: { maxUnsentAgeMs: 300 },
        connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
      },
      { maxBufferedBytesPerPartition: 64 * 1024 },
    );
    try {
      const { port } = (running.ingestion.connectors[0] as HttpConnector).address();
      const url = `http://127.0.0.1:${port}/api/v1/samples`;
      const check = running.ingestion.readiness.find((candidate) => candidate.name === 'buffer');
      if (check === undefined) throw new Error('no buffer readiness check');
      await check.check();
      // A consumer group that takes a batch and never finishes it: the partition fills, publishes wait.
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await running.bus.subscribe({
        groupId: uniqueName('stalled'),
        topics: [topics.raw.name],
        handler: () => held,
      });
      const value = 'x'.repeat(4_000);
      for (let n = 0; n < 300; n += 1)
        await post(url, { source: `s${n % 7}`, samples: [{ tag: 't', value }] });
      await waitUntil(
        async () =>
          (await check.check().then(
            () => 'ok',
            (error: Error) => error.message,
          )) !== 'ok',
        {
          timeoutMs: 10_000,
          what: 'readiness to fail',
        },
      );
      await expect(check.check()).rejects.toThrow(/oldest unsent entry .* older than 300 ms/);
      release();
      await waitUntil(() => running.ingestion.buffer.stats().entries === 0, {
        timeoutMs: 20_000,
        what: 'the buffer to drain',
      });
      await check.check();
    } finally {
      await running.stop();
    }
  }, 60_000);
});

function uniqueDir(): string {
  return mkdtempSync(join(tmpdir(), 'kiln-oversized-'));
}
