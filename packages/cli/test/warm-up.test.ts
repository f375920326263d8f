// The warm-up progress line: printed when what is still waiting changes, then once everything is ready.
import { waitUntil } from '@kiln/test-infra';
import { watchWarmUp } from '../src/warm-up';

it('prints what is still waiting, only when it changes, and the end of the warm-up', async () => {
  let connectorsUp = false;
  const lines: string[] = [];
  const watch = watchWarmUp(
    [
      { name: 'database', check: async () => undefined },
      {
        name: 'connectors',
        check: async () => {
          if (!connectorsUp) throw new Error('connecting');
        },
      },
    ],
    (line) => lines.push(line),
    20,
  );
  try {
    await waitUntil(() => lines.length >= 1, { timeoutMs: 5_000, what: 'the first line' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/1\/2 ready, waiting for connectors/);
    connectorsUp = true;
    await waitUntil(() => lines.length >= 2, { timeoutMs: 5_000, what: 'the ready line' });
    expect(lines[1]).toMatch(/all 2 parts ready/);
  } finally {
    watch.stop();
  }
});
