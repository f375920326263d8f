import fc from 'fast-check';
import { counterStep, type CounterReading, type CounterSettings } from '../src';

const U16: CounterSettings = { rollover: 65536 };
const at = (timeUs: number, raw: number): CounterReading => ({ timeUs, raw });

describe('counterStep', () => {
  it('takes the first reading as the baseline', () => {
    expect(counterStep(undefined, at(1, 500), U16)).toEqual({ kind: 'baseline' });
  });

  it('counts the increase of a monotonic counter', () => {
    expect(counterStep(at(1, 500), at(2, 512), U16)).toEqual({ kind: 'increment', delta: 12 });
    expect(counterStep(at(1, 500), at(2, 500), U16)).toEqual({ kind: 'increment', delta: 0 });
  });

  it('counts across a rollover at the limit (65530 -> 4 is 10 parts on a UINT16)', () => {
    expect(counterStep(at(1, 65530), at(2, 4), U16)).toEqual({ kind: 'rollover', delta: 10 });
    expect(counterStep(at(1, 4294967290), at(2, 5), { rollover: 4294967296 })).toEqual({
      kind: 'rollover',
      delta: 11,
    });
  });

  it('reads an implausible wrap as a reset and counts from zero', () => {
    expect(counterStep(at(1, 12000), at(2, 7), U16)).toEqual({ kind: 'reset', delta: 7 });
    expect(counterStep(at(1, 12000), at(2, 0), U16)).toEqual({ kind: 'reset', delta: 0 });
    expect(counterStep(at(1, 12000), at(2, 7), {})).toEqual({ kind: 'reset', delta: 7 });
  });

  it('honours maxJump', () => {
    expect(counterStep(at(1, 65000), at(2, 10), { rollover: 65536, maxJump: 100 })).toEqual({
      kind: 'reset',
      delta: 10,
    });
  });

  it('never moves back for older readings and recognises duplicates', () => {
    expect(counterStep(at(5, 500), at(4, 490), U16)).toEqual({ kind: 'out-of-order' });
    expect(counterStep(at(5, 500), at(4, 510), U16)).toEqual({ kind: 'out-of-order' });
    expect(counterStep(at(5, 500), at(5, 500), U16)).toEqual({ kind: 'duplicate' });
    expect(counterStep(at(5, 500), at(5, 400), U16)).toEqual({ kind: 'out-of-order' });
  });
});

/**
 * A PLC counter simulated from true increments: it wraps at `limit`, and a reset sets it to 0 before the
 * increment of that step is counted. A reset is only simulated where any reader could see it: the counter is below
 * limit - maxJump (else it looks like a rollover) and counts less after the reset than before it (else it looks like
 * counting on). These are the documented limits of counter rules, not of this implementation.
 */
interface Step {
  readonly increment: number;
  readonly reset: boolean;
}

function simulate(
  start: number,
  steps: readonly Step[],
  limit: number,
): { readings: number[]; truth: number } {
  let value = start;
  let truth = 0;
  const readings = [value];
  for (const step of steps) {
    if (step.reset && value < limit / 2 && step.increment < value) value = 0;
    value = (value + step.increment) % limit;
    truth += step.increment;
    readings.push(value);
  }
  return { readings, truth };
}

function sumOfDeltas(
  readings: readonly CounterReading[],
  settings: CounterSettings,
): { sum: number; min: number } {
  let last: CounterReading | undefined;
  let sum = 0;
  let min = 0;
  for (const reading of readings) {
    const step = counterStep(last, reading, settings);
    if (step.kind === 'increment' || step.kind === 'rollover' || step.kind === 'reset') {
      sum += step.delta;
      min = Math.min(min, step.delta);
    }
    if (step.kind !== 'duplicate' && step.kind !== 'out-of-order') last = reading;
  }
  return { sum, min };
}

describe('counterStep properties', () => {
  const limits = fc.constantFrom(256, 65536, 4294967296);

  it('sums to the true count over rollovers and resets, with no negative delta', () => {
    fc.assert(
      fc.property(
        limits,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(
          fc.record({ increment: fc.double({ min: 0, max: 0.49, noNaN: true }), reset: fc.boolean() }),
        ),
        (limit, startFraction, fractions) => {
          const start = Math.floor(startFraction * (limit - 1));
          const steps = fractions.map((s) => ({
            increment: Math.floor(s.increment * limit),
            reset: s.reset,
          }));
          const { readings, truth } = simulate(start, steps, limit);
          const { sum, min } = sumOfDeltas(
            readings.map((raw, i) => at(i, raw)),
            { rollover: limit },
          );
          expect(min).toBeGreaterThanOrEqual(0);
          expect(sum).toBe(truth);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ignores duplicated and late copies of readings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ increment: fc.integer({ min: 0, max: 30000 }), reset: fc.boolean() }), {
          minLength: 1,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (steps, replays) => {
          const { readings, truth } = simulate(100, steps, 65536);
          const ordered = readings.map((raw, i) => at(i * 10, raw));
          // Re-deliver some readings after later ones (at-least-once replays, out-of-order arrival).
          const delivered = [...ordered];
          for (const r of replays) {
            const copy = ordered[r % ordered.length];
            if (copy !== undefined)
              delivered.splice(Math.min(delivered.length, (r % delivered.length) + 1), 0, copy);
          }
          const clean = sumOfDeltas(ordered, U16);
          const messy = sumOfDeltas(delivered, U16);
          expect(clean.sum).toBe(truth);
          expect(messy.min).toBeGreaterThanOrEqual(0);
          expect(messy.sum).toBeLessThanOrEqual(truth);
          // Late copies are dropped; only readings overtaken by a replayed later one can lose their increment,
          // and what is lost is counted with the next reading, so the total is exact again at the end.
          expect(messy.sum).toBe(sumOfDeltas(dropOvertaken(delivered), U16).sum);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The readings a counter keeps: each one newer than all before it. */
function dropOvertaken(readings: readonly CounterReading[]): CounterReading[] {
  const kept: CounterReading[] = [];
  for (const reading of readings) {
    const last = kept[kept.length - 1];
    if (last === undefined || reading.timeUs > last.timeUs) kept.push(reading);
  }
  return kept;
}
