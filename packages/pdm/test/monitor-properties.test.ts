import fc from 'fast-check';
import { AssetMonitor, DEFAULT_PDM_CONFIG, type MonitorOutput, type MonitorSample } from '../src';
import { HOUR_US, randomStream } from './fixtures';

const ASSET = 'acme/plant-1/line-1/machine-2';
const START_US = Date.UTC(2026, 11, 1) * 1000;

/** 10 h of a slowly wearing machine with a stop in the middle, one sample per signal every 30 s. */
function stream(): MonitorSample[] {
  const rng = randomStream(9);
  const out: MonitorSample[] = [];
  for (let t = START_US; t < START_US + 10 * HOUR_US; t += 30_000_000) {
    const h = (t - START_US) / HOUR_US;
    const running = h < 4 || h > 4.5;
    const w = 0.2 + 0.05 * h;
    out.push({ signal: 'speed', timeUs: t, value: running ? 6 : 0, good: true, unit: '1/min' });
    out.push({
      signal: 'vibration',
      timeUs: t,
      value: 1.1 + 9 * w ** 3 + 0.08 * rng.normal(),
      good: true,
      unit: 'mm/s',
    });
    out.push({
      signal: 'temperature',
      timeUs: t,
      value: 54 + 12 * w ** 2 + 0.2 * rng.normal(),
      good: true,
      unit: 'Cel',
    });
  }
  return out;
}

function concat(outputs: readonly MonitorOutput[]): MonitorOutput {
  return { health: outputs.flatMap((o) => o.health), alerts: outputs.flatMap((o) => o.alerts) };
}

describe('AssetMonitor properties', () => {
  const samples = stream();
  const reference = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG).ingest(samples);

  it('gives the same output however the stream is cut into batches and whatever batches are replayed', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: samples.length - 1 }), { maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        (cuts, replays) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), samples.length];
          const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
          const outputs: MonitorOutput[] = [];
          for (let i = 0; i + 1 < bounds.length; i += 1) {
            const batch = samples.slice(bounds[i], bounds[i + 1]);
            outputs.push(monitor.ingest(batch));
            // At-least-once delivery: the same batch again must add nothing.
            if (replays[i] === true) outputs.push(monitor.ingest(batch));
          }
          expect(concat(outputs)).toEqual(reference);
        },
      ),
      { numRuns: 15 },
    );
  });
});
