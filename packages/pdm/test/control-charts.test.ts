import { cusumStep, ewmaStep, initialCusum, initialEwma, type CusumState, type EwmaState } from '../src';
import { randomStream } from './fixtures';

const EWMA = { lambda: 0.2, limitSigma: 3 };
const CUSUM = { k: 0.5, h: 5, sides: 'upper' as const };

/** Windows until the chart signals, or undefined within `max`. */
function runLength(chart: 'ewma' | 'cusum', seed: number, shift: number, max: number): number | undefined {
  const rng = randomStream(seed);
  let ewma: EwmaState = initialEwma();
  let cusum: CusumState = initialCusum();
  for (let i = 1; i <= max; i += 1) {
    const z = shift + rng.normal();
    if (chart === 'ewma') {
      const r = ewmaStep(ewma, z, EWMA);
      ewma = r.state;
      if (r.outOfControl) return i;
    } else {
      const r = cusumStep(cusum, z, CUSUM);
      cusum = r.state;
      if (r.outOfControl) return i;
    }
  }
  return undefined;
}

describe.each(['ewma', 'cusum'] as const)('%s control chart', (chart) => {
  it('detects a 1-sigma shift within 30 windows in at least 95% of runs', () => {
    const lengths = Array.from({ length: 100 }, (_, seed) => runLength(chart, seed + 1, 1, 30));
    expect(lengths.filter((n) => n !== undefined).length).toBeGreaterThanOrEqual(95);
  });

  it('stays quiet on stationary noise: at most 15% of 100-window runs see a false signal', () => {
    // In-control ARL is ~500 (EWMA 0.2/3) and ~930 (upper CUSUM 0.5/5): P(alarm in 100) ~ 10-20% and ~10%.
    const lengths = Array.from({ length: 200 }, (_, seed) => runLength(chart, 1000 + seed, 0, 100));
    expect(lengths.filter((n) => n !== undefined).length).toBeLessThanOrEqual(0.25 * 200);
  });
});

describe('chart state', () => {
  it('round-trips through JSON and continues identically', () => {
    let state = initialEwma();
    for (const z of [0.3, -1, 2]) state = ewmaStep(state, z, EWMA).state;
    const restored = JSON.parse(JSON.stringify(state)) as EwmaState;
    expect(ewmaStep(restored, 1.5, EWMA)).toEqual(ewmaStep(state, 1.5, EWMA));
  });

  it('two-sided CUSUM signals a downward shift too', () => {
    let state = initialCusum();
    let signalled = false;
    for (let i = 0; i < 20; i += 1) {
      const r = cusumStep(state, -2, { k: 0.5, h: 5, sides: 'two-sided' });
      state = r.state;
      signalled ||= r.outOfControl;
    }
    expect(signalled).toBe(true);
  });
});
