// The batcher closes batches in a timer: an error there would be uncaught and end the process.
import { SampleBatcher } from '../../src/pipeline/batcher';
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
        },
        onBatchFailed: (sourceId, _connector, samples, error) =>
          failed.push({ sourceId, values: samples.map((s) => Number(s.value)), error }),
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
