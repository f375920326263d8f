import { FAULTS, killRepeatedly } from '../src/chaos/faults';
import type { ServiceName } from '../src/chaos/platform';

/** A platform whose restarts are recorded with their start time and take `readyAfterMs` each. */
function recordingPlatform(readyAfterMs: number) {
  const restarts: { service: ServiceName; signal: string; atMs: number }[] = [];
  const started = Date.now();
  return {
    restarts,
    restart: async (service: ServiceName, signal: 'SIGKILL' | 'SIGTERM') => {
      restarts.push({ service, signal, atMs: Date.now() - started });
      await new Promise((resolve) => setTimeout(resolve, readyAfterMs));
      return readyAfterMs;
    },
  };
}

describe('the ingestion kill of the chaos suite', () => {
  it('kills ingestion -9 twice, the second time a while after it was ready again, and notes both restarts', async () => {
    const platform = recordingPlatform(30);
    const note = await killRepeatedly(platform, 'ingestion', 2, 100);
    expect(platform.restarts.map(({ service, signal }) => `${service} ${signal}`)).toEqual([
      'ingestion SIGKILL',
      'ingestion SIGKILL',
    ]);
    const [first, second] = platform.restarts;
    // Ready after 30 ms, then 100 ms of load before the next kill.
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(125);
    expect(note).toMatch(/ingestion killed \(SIGKILL\) 2 times/);
    expect(note).toMatch(/kill 1: ready again after 0\.0 s; kill 2: ready again after 0\.0 s/);
  });

  it('is the fault the suite runs as its ingestion phase', () => {
    expect(FAULTS.find((fault) => fault.id === 'ingestion-kill')?.title).toBe('kill -9 ingestion, twice');
  });
});
