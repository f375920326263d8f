// Drives ingestion-child.ts: starts it with a section, kills it, and reads back what its buffer holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { decodeEvent, eventTopics, topics } from '@kiln/contracts';
import { createLogger } from '@kiln/service-kit';
import { DiskBuffer } from '../../src/buffer/disk-buffer';
import type { SectionInput } from '../pipeline/support';

export interface IngestionChild {
  readonly process: ChildProcess;
  /** The HTTP connector's port, when there is one. */
  readonly port: number | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export async function startIngestionChild(section: SectionInput): Promise<IngestionChild> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(__dirname, 'swc-register.cjs'),
      join(__dirname, 'ingestion-child.ts'),
      JSON.stringify(section),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number | undefined>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`ingestion child not ready in 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port?: number }).port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ingestion child exited with ${String(code)}: ${stderr}`));
    });
  });
  return { process: child, port, exited };
}

/** The tags of every sample the buffer in `directory` holds, in kiln.raw.v1 batches or dead-lettered. */
export async function tagsInBuffer(directory: string): Promise<Set<string>> {
  const buffer = await DiskBuffer.open({
    directory,
    maxBytes: 64 * 1024 * 1024,
    segmentBytes: 1024 * 1024,
    fsync: 'never',
    fsyncIntervalMs: 1_000,
    overflow: 'drop-newest',
    logger: createLogger({ service: 'buffer-reader', level: 'error' }),
  });
  const tags = new Set<string>();
  try {
    for (;;) {
      const entries = await buffer.read(1_000, 16 * 1024 * 1024);
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (entry.topic === topics.dlq.name) {
          const sample = JSON.parse(Buffer.from(entry.value).toString('utf8')) as { tag?: string };
          if (sample.tag !== undefined) tags.add(sample.tag);
          continue;
        }
        const batch = decodeEvent(eventTopics.raw, entry.value, entry.headers);
        for (const sample of batch.samples) tags.add(sample.tag);
      }
    }
  } finally {
    await buffer.close();
  }
  return tags;
}
