// A full buffer whose policy is drop-newest refuses the request's samples: the client hears 503 with
// Retry-After and why, never a 202 for samples that were dropped. Under the default drop-oldest too, the HTTP
// connector refuses a request the buffer has no room for, before reading its body: a client can come back later,
// so pushing back loses nothing, where taking the request would drop samples already answered 202.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpConnector } from '../../src/connectors/http/http-connector';
import { startPipeline, type PipelineUnderTest } from '../pipeline/support';

let pipeline: PipelineUnderTest | undefined;
let directory: string | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe('HTTP push: a full buffer', () => {
  it('answers 503 with Retry-After, naming the buffer, once drop-newest refuses the samples', async () => {
    directory = mkdtempSync(join(tmpdir(), 'kiln-http-full-'));
    pipeline = await startPipeline(
      'http-full',
      {
        buffer: {
          directory: join(directory, 'buffer'),
          maxBytes: 256 * 1024,
          segmentBytes: 64 * 1024,
          overflow: 'drop-newest',
          fsync: 'never',
        },
        connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
      },
      {},
      // Nothing is ever delivered: the buffer only fills.
      () => (_topic, signal) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
        ),
    );
    const http = pipeline.ingestion.connectors.find((c) => c.kind === 'http') as HttpConnector;
    const { port } = http.address();
    const statuses: number[] = [];
    let refusal: { retryAfter: string | null; body: { error?: string; message?: string } } | undefined;
    for (let request = 0; request < 100 && refusal === undefined; request += 1) {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'line-1',
          samples: Array.from({ length: 20 }, (_, n) => ({
            tag: `t-${request}-${n}`,
            value: 'x'.repeat(1_000),
          })),
        }),
      });
      statuses.push(response.status);
      const body = (await response.json()) as { error?: string; message?: string };
      if (response.status === 503) refusal = { retryAfter: response.headers.get('retry-after'), body };
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(refusal).toEqual({
      retryAfter: '5',
      body: { error: 'buffer-full', message: expect.stringContaining('ingestion.buffer.maxBytes') },
    });
  });

  it('answers 503 with Retry-After under drop-oldest too, and drops no sample it answered 202', async () => {
    directory = mkdtempSync(join(tmpdir(), 'kiln-http-room-'));
    pipeline = await startPipeline(
      'http-room',
      {
        buffer: {
          directory: join(directory, 'buffer'),
          maxBytes: 256 * 1024,
          segmentBytes: 64 * 1024,
          fsync: 'never',
        },
        connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
      },
      {},
      () => (_topic, signal) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
        ),
    );
    const http = pipeline.ingestion.connectors.find((c) => c.kind === 'http') as HttpConnector;
    const { port } = http.address();
    let accepted = 0;
    let refusal: { retryAfter: string | null; body: { error?: string; message?: string } } | undefined;
    for (let request = 0; request < 100 && refusal === undefined; request += 1) {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'line-1',
          samples: Array.from({ length: 20 }, (_, n) => ({
            tag: `t-${request}-${n}`,
            value: 'x'.repeat(1_000),
          })),
        }),
      });
      const body = (await response.json()) as { error?: string; message?: string };
      if (response.status === 202) accepted += 20;
      if (response.status === 503) refusal = { retryAfter: response.headers.get('retry-after'), body };
    }
    expect(refusal).toEqual({
      retryAfter: '5',
      body: { error: 'buffer-full', message: expect.stringContaining('ingestion.buffer.maxBytes') },
    });
    await pipeline.ingestion.buffer.flush();
    expect(pipeline.ingestion.buffer.stats()).toMatchObject({ droppedSamples: 0, samples: accepted });
  });
});
