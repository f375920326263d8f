// `npm start` runs every service over the in-process bus, whose records live in memory: the store-and-forward
// buffer releases a batch only once normalization's consumer group has committed it, so a crash loses nothing.
import { topics } from '@kiln/contracts';
import { uniqueName, waitUntil } from '@kiln/test-infra';
import type { HttpConnector } from '../../src/connectors/http';
import { post, startPipeline } from './support';

describe('buffer entries on the in-process bus', () => {
  it('stay unacknowledged while the consuming group has not committed them, and are released after it did', async () => {
    const groupId = uniqueName('normalization');
    const running = await startPipeline(
      'release-after-commit',
      { connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }] },
      {},
      (bus) => (topic, signal) =>
        topic === topics.raw.name ? bus.committedBy(groupId, topic, signal) : Promise.resolve(),
    );
    try {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let received = 0;
      await running.bus.subscribe({
        groupId,
        topics: [topics.raw.name],
        handler: async (batch) => {
          received += batch.records.length;
          await held;
        },
      });
      const { port } = (running.ingestion.connectors[0] as HttpConnector).address();
      for (let n = 0; n < 5; n += 1) {
        const response = await post(`http://127.0.0.1:${port}/api/v1/samples`, {
          source: `line-${n}`,
          samples: [{ tag: 't', value: n }],
        });
        expect(response.status).toBe(202);
      }
      // Published: the group holds them, and the reader of the test has them too.
      await waitUntil(() => received > 0 && running.samples.length === 5, {
        timeoutMs: 5_000,
        what: 'the batches published',
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(running.ingestion.buffer.stats()).toMatchObject({ entries: 5, samples: 5 });

      release();
      await waitUntil(() => running.ingestion.buffer.stats().entries === 0, {
        timeoutMs: 5_000,
        what: 'the entries released once the group committed',
      });
      expect(running.ingestion.buffer.stats().samples).toBe(0);
    } finally {
      await running.stop();
    }
  });
});
