// kill -9 of ingestion right after it answered 202: every sample it acknowledged is in the buffer on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIngestionChild, tagsInBuffer, type IngestionChild } from './child-process';

jest.setTimeout(60_000);

let directory: string;
let child: IngestionChild | undefined;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kiln-http-kill-'));
});
afterEach(async () => {
  if (child?.process.exitCode === null) child.process.kill('SIGKILL');
  await child?.exited;
  child = undefined;
  rmSync(directory, { recursive: true, force: true });
});

const SAMPLES_PER_REQUEST = 3;

async function post(port: number, request: number): Promise<number> {
  const samples = Array.from({ length: SAMPLES_PER_REQUEST }, (_, n) => ({
    tag: `sample-${request}-${n}`,
    value: request,
  }));
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/samples`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'line-1', samples }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('HTTP push: acknowledgement after kill -9', () => {
  it('keeps on disk every sample answered 202 when the process is killed right after', async () => {
    const buffer = join(directory, 'buffer');
    child = await startIngestionChild({
      buffer: { directory: buffer, fsync: 'never' },
      // A long linger: what waits in the batcher when the process dies is what an early 202 loses.
      batching: { lingerMs: 2_000 },
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
    });
    const port = child.port;
    if (port === undefined) throw new Error('the child has no HTTP port');
    const running = child;
    const acknowledged: string[] = [];
    let killed = false;
    let next = 0;
    // Eight clients in parallel; the process is killed the moment the 200th request is answered.
    const client = async (): Promise<void> => {
      while (!killed) {
        const request = next;
        next += 1;
        let status: number;
        try {
          status = await post(port, request);
        } catch {
          return; // the connection died with the process: not acknowledged
        }
        if (status === 202 && !killed) {
          for (let n = 0; n < SAMPLES_PER_REQUEST; n += 1) acknowledged.push(`sample-${request}-${n}`);
          if (acknowledged.length >= 200 * SAMPLES_PER_REQUEST) {
            killed = true;
            running.process.kill('SIGKILL');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => client()));
    await running.exited;

    const kept = await tagsInBuffer(buffer);
    const lost = acknowledged.filter((tag) => !kept.has(tag));
    expect({ acknowledged: acknowledged.length, lost: lost.slice(0, 10), lostCount: lost.length }).toEqual({
      acknowledged: acknowledged.length,
      lost: [],
      lostCount: 0,
    });
  });
});
