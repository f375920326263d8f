// The store-and-forward buffer on a real disk: order, acknowledgement, restart, torn writes, overflow policies.
import { mkdtempSync, readdirSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kiln/service-kit';
import { DiskBuffer, type DiskBufferOptions } from '../../src/buffer/disk-buffer';
import type { Entry } from '../../src/buffer/framing';

const logger = createLogger({ service: 'buffer-test', level: 'silent' });

function options(directory: string, overrides: Partial<DiskBufferOptions> = {}): DiskBufferOptions {
  return {
    directory,
    maxBytes: 4 * 64 * 1024,
    segmentBytes: 64 * 1024,
    fsync: 'never',
    fsyncIntervalMs: 1000,
    overflow: 'drop-oldest',
    logger,
    ...overrides,
  };
}

function record(n: number, bytes = 100): Omit<Entry, 'id'> {
  const value = Buffer.alloc(bytes, n % 251);
  value.writeUInt32BE(n, 0);
  return { topic: 'kiln.raw.v1', key: `source-${n % 3}`, headers: { 'x-n': String(n) }, value, samples: 10 };
}

const numberOf = (entry: Entry): number => Buffer.from(entry.value).readUInt32BE(0);

async function readAll(buffer: DiskBuffer, maxEntries = 1_000): Promise<Entry[]> {
  await buffer.flush();
  const all: Entry[] = [];
  for (;;) {
    const entries = await buffer.read(maxEntries, 10 * 1024 * 1024);
    if (entries.length === 0) return all;
    all.push(...entries);
  }
}

describe('DiskBuffer', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kiln-buffer-'));
  });

  it('gives back entries in append order across segments, with key, topic, headers and value intact', async () => {
    const buffer = await DiskBuffer.open(options(directory, { maxBytes: 64 * 1024 * 1024 }));
    for (let n = 0; n < 3_000; n += 1) expect(buffer.append(record(n))).toBe(true);
    const entries = await readAll(buffer, 333);
    expect(entries.map(numberOf)).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
    expect(entries[7]).toMatchObject({
      topic: 'kiln.raw.v1',
      key: 'source-1',
      headers: { 'x-n': '7' },
      samples: 10,
    });
    expect(readdirSync(directory).filter((name) => name.endsWith('.seg')).length).toBeGreaterThan(3);
    expect(buffer.stats()).toMatchObject({ entries: 3_000, samples: 30_000 });
    await buffer.ack(entries);
    expect(buffer.stats()).toMatchObject({ entries: 0, samples: 0, segments: 1 });
    await buffer.close();
  });

  it('after a restart sends again exactly what was not acknowledged, then what comes next', async () => {
    const first = await DiskBuffer.open(options(directory, { maxBytes: 64 * 1024 * 1024 }));
    for (let n = 0; n < 1_000; n += 1) first.append(record(n));
    const read = await readAll(first, 100);
    await first.ack(read.slice(0, 600));
    await first.close();

    const second = await DiskBuffer.open(options(directory, { maxBytes: 64 * 1024 * 1024 }));
    expect(second.stats()).toMatchObject({ entries: 400, samples: 4_000 });
    for (let n = 1_000; n < 1_100; n += 1) second.append(record(n));
    const again = await readAll(second);
    expect(again.map(numberOf)).toEqual(Array.from({ length: 500 }, (_, i) => 600 + i));
    await second.close();
  });

  it('cuts off a torn write at recovery and keeps everything before it', async () => {
    const first = await DiskBuffer.open(options(directory, { maxBytes: 64 * 1024 * 1024 }));
    for (let n = 0; n < 50; n += 1) first.append(record(n));
    await first.close();
    const segment = readdirSync(directory).find((name) => name.endsWith('.seg'));
    if (segment === undefined) throw new Error('no segment');
    const path = join(directory, segment);
    // A crash in the middle of the 50th frame, then garbage from a half-written sector.
    truncateSync(path, statSync(path).size - 40);
    appendFileSync(path, Buffer.from([1, 2, 3]));

    const second = await DiskBuffer.open(options(directory, { maxBytes: 64 * 1024 * 1024 }));
    second.append(record(1_000));
    const entries = await readAll(second);
    expect(entries.map(numberOf)).toEqual([...Array.from({ length: 49 }, (_, n) => n), 1_000]);
    await second.close();
  });

  it('when full, drops the oldest entries with a count, and keeps the newest in order', async () => {
    const drops: { entries: number; samples: number }[] = [];
    const buffer = await DiskBuffer.open(
      options(directory, { onDrop: (entries, samples) => drops.push({ entries, samples }) }),
    );
    // About 1 KiB each: four 64 KiB segments hold about 250 of them.
    for (let n = 0; n < 1_000; n += 1) {
      expect(buffer.append(record(n, 1_000))).toBe(true);
      if (n % 50 === 0) await buffer.flush();
    }
    const entries = await readAll(buffer);
    const numbers = entries.map(numberOf);
    expect(numbers[numbers.length - 1]).toBe(999);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    const dropped = drops.reduce((sum, drop) => sum + drop.entries, 0);
    expect(dropped + numbers.length).toBe(1_000);
    expect(buffer.stats().droppedEntries).toBe(dropped);
    expect(buffer.stats().bytes).toBeLessThanOrEqual(4 * 64 * 1024);
    await buffer.close();
  });

  it('when full with drop-newest, refuses new entries and keeps the oldest', async () => {
    const buffer = await DiskBuffer.open(options(directory, { overflow: 'drop-newest' }));
    let accepted = 0;
    for (let n = 0; n < 1_000; n += 1) if (buffer.append(record(n, 1_000))) accepted += 1;
    const numbers = (await readAll(buffer)).map(numberOf);
    expect(numbers).toEqual(Array.from({ length: accepted }, (_, n) => n));
    expect(buffer.stats().droppedEntries).toBe(1_000 - accepted);
    await buffer.close();
  });

  it('wakes a waiting reader when an entry is written', async () => {
    const buffer = await DiskBuffer.open(options(directory));
    const waiting = buffer.waitForData();
    let woken = false;
    void waiting.then(() => (woken = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(woken).toBe(false);
    buffer.append(record(1));
    await waiting;
    expect((await buffer.read(10, 1_000_000)).map(numberOf)).toEqual([1]);
    await buffer.close();
  });

  it('refuses a bound smaller than four segments, naming both', async () => {
    await expect(DiskBuffer.open(options(directory, { maxBytes: 100_000 }))).rejects.toThrow(
      'buffer maxBytes (100000) must be at least four segments (262144)',
    );
  });
});
