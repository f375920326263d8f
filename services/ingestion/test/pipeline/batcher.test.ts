// The batcher closes batches in a timer: an error there would be uncaught and end the process. A batch someone
// waits on to be durable closes at the end of the tick, and the wait ends when its entry is written.
import { SampleBatcher, type BatcherOptions } from '../../src/pipeline/batcher';
import type { Sample } from '../../src/connectors/types';

const sample = (value: number): Sample => ({
  tag: 't',
  value,
  quality: 'good',
  statusCode: 0,
  receiveTimeUs: 1_760_000_000_000_000,
});

describe('SampleBatcher', () => {
  it('hands a batch whose onBatch throws in the linger timer to onBatchFailed, and batches on', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on('uncaughtException', record);
    try {
      const failed: { sourceId: string; values: number[]; error: unknown }[] = [];
      const closed: number[][] = [];
      const batcher = new SampleBatcher({
        maxSamples: 100,
        maxBytes: 100_000,
        lingerMs: 5,
        onBatch: (_sourceId, _connector, samples) => {
          if (samples.some((s) => s.value === 13)) throw new RangeError('invalid int64: 13');
          closed.push(samples.map((s) => Number(s.value)));
          return () => Promise.resolve();
        },
        onBatchFailed: (sourceId, _connector, samples, error) => {
          failed.push({ sourceId, values: samples.map((s) => Number(s.value)), error });
          return () => Promise.resolve();
        },
      });
      batcher.add('http/a', 'http', [sample(12), sample(13)]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      batcher.add('http/a', 'http', [sample(14)]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(failed).toEqual([{ sourceId: 'http/a', values: [12, 13], error: expect.any(RangeError) }]);
      expect(closed).toEqual([[14]]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });
});

describe('SampleBatcher.addDurable', () => {
  /** A batcher whose closed batches become durable when the test says so. */
  function durableBatcher(options: Partial<BatcherOptions> = {}): {
    batcher: SampleBatcher;
    closed: number[][];
    writeAll(): void;
    refuseAll(error: Error): void;
  } {
    const closed: number[][] = [];
    const pending: { resolve(): void; reject(error: Error): void }[] = [];
    const batcher = new SampleBatcher({
      maxSamples: 100,
      maxBytes: 100_000,
      lingerMs: 60_000,
      onBatch: (_sourceId, _connector, samples) => {
        closed.push(samples.map((s) => Number(s.value)));
        const written = new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
        written.catch(() => undefined);
        return () => written;
      },
      onBatchFailed: () => () => Promise.resolve(),
      ...options,
    });
    return {
      batcher,
      closed,
      writeAll: () => pending.splice(0).forEach((p) => p.resolve()),
      refuseAll: (error) => pending.splice(0).forEach((p) => p.reject(error)),
    };
  }
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('closes the batch at the end of the tick, one batch for every emit of that tick, without the linger', async () => {
    const { batcher, closed, writeAll } = durableBatcher();
    let done = 0;
    void batcher.addDurable('mqtt/a', 'mqtt', [sample(1)]).then(() => (done += 1));
    batcher.add('mqtt/a', 'mqtt', [sample(2)]);
    void batcher.addDurable('mqtt/a', 'mqtt', [sample(3)]).then(() => (done += 1));
    expect(closed).toEqual([]);
    await tick();
    expect(closed).toEqual([[1, 2, 3]]);
    await tick();
    expect(done).toBe(0);
    writeAll();
    await tick();
    expect(done).toBe(2);
  });

  it('waits for every batch that holds some of the samples when they fill more than one', async () => {
    const { batcher, closed, writeAll } = durableBatcher({ maxSamples: 2 });
    let done = false;
    void batcher.addDurable('http/a', 'http', [sample(1), sample(2), sample(3)]).then(() => (done = true));
    await tick();
    expect(closed).toEqual([[1, 2], [3]]);
    writeAll();
    await tick();
    expect(done).toBe(true);
  });

  it('rejects the wait when the buffer refused the batch', async () => {
    const { batcher, refuseAll } = durableBatcher();
    const durable = batcher.addDurable('http/a', 'http', [sample(1)]);
    await tick();
    refuseAll(new Error('buffer full'));
    await expect(durable).rejects.toThrow('buffer full');
  });

  it('lets a watched add linger like a plain one and tells when its batch is written', async () => {
    const { batcher, closed, writeAll } = durableBatcher({ lingerMs: 50 });
    let written = false;
    void batcher.addWatched('modbus/a/plc', 'modbus', [sample(1)]).then(() => (written = true));
    batcher.add('modbus/a/plc', 'modbus', [sample(2)]);
    await tick();
    await tick();
    expect(closed).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(closed).toEqual([[1, 2]]);
    expect(written).toBe(false);
    writeAll();
    await tick();
    expect(written).toBe(true);
  });

  it('closes only the batches someone waits on at the end of the tick', async () => {
    const { batcher, closed } = durableBatcher();
    void batcher.addWatched('opcua/a', 'opcua', [sample(1)]);
    void batcher.addDurable('mqtt/b', 'mqtt', [sample(2)]);
    await tick();
    expect(closed).toEqual([[2]]);
  });

  it('keeps a plain add lingering', async () => {
    const { batcher, closed } = durableBatcher({ lingerMs: 50 });
    batcher.add('http/a', 'http', [sample(1)]);
    await tick();
    expect(closed).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(closed).toEqual([[1]]);
  });
});
