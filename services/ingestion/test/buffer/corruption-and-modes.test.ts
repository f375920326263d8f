// The store-and-forward buffer against damaged files: one corrupt byte costs its frame only, at recovery and while
// reading, and is counted; and the files hold the plant's data for the service's user only.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kiln/service-kit';
import { DiskBuffer, type DiskBufferOptions } from '../../src/buffer/disk-buffer';
import type { Entry } from '../../src/buffer/framing';

const logger = createLogger({ service: 'buffer-test', level: 'silent' });

function options(directory: string, overrides: Partial<DiskBufferOptions> = {}): DiskBufferOptions {
  return {
    directory,
    maxBytes: 64 * 1024 * 1024,
    segmentBytes: 1024 * 1024,
    fsync: 'never',
    fsyncIntervalMs: 1000,
    overflow: 'drop-oldest',
    logger,
    ...overrides,
  };
}

function record(n: number): Omit<Entry, 'id'> {
  const value = Buffer.alloc(100, n % 251);
  value.writeUInt32BE(n, 0);
  return { topic: 'kiln.raw.v1', key: `source-${n % 3}`, headers: { 'x-n': String(n) }, value, samples: 10 };
}

const numberOf = (entry: Entry): number => Buffer.from(entry.value).readUInt32BE(0);
const upTo = (count: number, except: number[] = []): number[] =>
  Array.from({ length: count }, (_, n) => n).filter((n) => !except.includes(n));

async function readAll(buffer: DiskBuffer): Promise<Entry[]> {
  await buffer.flush();
  const all: Entry[] = [];
  for (;;) {
    const entries = await buffer.read(7, 10 * 1024 * 1024);
    if (entries.length === 0) return all;
    all.push(...entries);
  }
}

function onlySegment(directory: string): string {
  const segment = readdirSync(directory).find((name) => name.endsWith('.seg'));
  if (segment === undefined) throw new Error(`no segment in ${directory}`);
  return join(directory, segment);
}

/** Flips a byte inside entry `n`'s frame (just after its headers), on disk. */
function corruptEntry(path: string, n: number, delta = 0): void {
  const data = readFileSync(path);
  const at = data.indexOf(`{"x-n":"${n}"}`);
  if (at < 0) throw new Error(`entry ${n} not found in ${path}`);
  const position = at + 12 + delta;
  const file = openSync(path, 'r+');
  writeSync(file, Buffer.from([(data[position] ?? 0) ^ 0xff]), 0, 1, position);
  closeSync(file);
}

/** Overwrites the length field of entry `n`'s frame with a length that runs past the end of the segment. */
function corruptLength(path: string, n: number): void {
  const data = readFileSync(path);
  const meta = data.indexOf(`{"x-n":"${n}"}`);
  // The frame starts 8 (length, crc) + 14 (id, samples, meta length) bytes before its meta JSON.
  const metaStart = data.lastIndexOf('["kiln.raw.v1"', meta);
  const frameStart = metaStart - 22;
  const file = openSync(path, 'r+');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(0x00ffffff, 0);
  writeSync(file, length, 0, 4, frameStart);
  closeSync(file);
}

describe('DiskBuffer with corrupt frames', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kiln-buffer-corrupt-'));
  });

  it('at recovery, skips a frame with one corrupt byte in the middle of a segment and delivers the frames after it', async () => {
    const first = await DiskBuffer.open(options(directory));
    for (let n = 0; n < 100; n += 1) first.append(record(n));
    await first.close();
    const path = onlySegment(directory);
    corruptEntry(path, 50);

    const second = await DiskBuffer.open(options(directory));
    expect(second.stats()).toMatchObject({ samples: 990, corruptFrames: 1 });
    expect(second.stats().corruptBytes).toBeGreaterThan(100);
    second.append(record(100));
    const entries = await readAll(second);
    expect(entries.map(numberOf)).toEqual([...upTo(100, [50]), 100]);
    await second.ack(entries);
    await second.close();

    const third = await DiskBuffer.open(options(directory));
    expect(third.stats()).toMatchObject({ entries: 0 });
    await third.close();
  });

  it('while reading, skips a frame corrupted on disk after it was written, counts it, and reads on', async () => {
    const corrupt: { frames: number; bytes: number }[] = [];
    const buffer = await DiskBuffer.open(
      options(directory, { onCorrupt: (frames, bytes) => corrupt.push({ frames, bytes }) }),
    );
    for (let n = 0; n < 100; n += 1) buffer.append(record(n));
    await buffer.flush();
    const path = onlySegment(directory);
    corruptEntry(path, 30);
    corruptLength(path, 70);
    for (let n = 100; n < 110; n += 1) buffer.append(record(n));

    const entries = await readAll(buffer);
    expect(entries.map(numberOf)).toEqual(upTo(110, [30, 70]));
    expect(corrupt).toHaveLength(2);
    expect(corrupt.every((skipped) => skipped.frames === 1 && skipped.bytes > 100)).toBe(true);
    expect(buffer.stats().corruptFrames).toBe(2);
    await buffer.close();
  });

  it('skips a corrupt first frame of a segment', async () => {
    const first = await DiskBuffer.open(options(directory));
    for (let n = 0; n < 10; n += 1) first.append(record(n));
    await first.close();
    corruptEntry(onlySegment(directory), 0);
    const second = await DiskBuffer.open(options(directory));
    expect((await readAll(second)).map(numberOf)).toEqual(upTo(10, [0]));
    await second.close();
  });
});

describe('DiskBuffer files', () => {
  it('keeps its directory 0700 and its segments and cursor 0600, also where an earlier version left them open', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kiln-buffer-modes-'));
    const directory = join(parent, 'buffer');
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o755);
    const first = await DiskBuffer.open(options(directory));
    for (let n = 0; n < 10; n += 1) first.append(record(n));
    await first.ack((await readAll(first)).slice(0, 5));
    await first.close();
    const mode = (path: string): number => statSync(path).mode & 0o777;
    expect(mode(directory)).toBe(0o700);
    expect(mode(onlySegment(directory))).toBe(0o600);
    expect(mode(join(directory, 'cursor.json'))).toBe(0o600);
    // No temporary cursor file is left behind.
    expect(readdirSync(directory).filter((name) => !name.endsWith('.seg'))).toEqual(['cursor.json']);

    chmodSync(onlySegment(directory), 0o644);
    const second = await DiskBuffer.open(options(directory));
    expect(mode(onlySegment(directory))).toBe(0o600);
    expect((await readAll(second)).map(numberOf)).toEqual([5, 6, 7, 8, 9]);
    await second.close();
  });
});
