// Drives a plant in real time times a speed factor. Each tick advances the model to where the simulated
// clock should be now, so a late timer (GC pause, busy event loop) is caught up on the next tick instead of
// stretching simulated time. Catch-up per tick is bounded so that a long stall does not freeze the process.
import type { Plant } from './model';

export interface ClockOptions {
  /** Simulated ms per real ms. */
  readonly speedFactor: number;
  /** Real ms between ticks. */
  readonly tickMs: number;
  /** Largest simulated span advanced in one tick; the rest is dropped and counted (default 10 real seconds). */
  readonly maxCatchUpSimMs?: number;
  /** Real clock, for tests. */
  readonly now?: () => number;
}

export interface ClockStats {
  readonly ticks: number;
  /** Simulated ms skipped because the process could not keep up. */
  readonly droppedSimMs: number;
  readonly lastTickDurationMs: number;
}

export interface SimulationClock {
  readonly running: boolean;
  stats(): ClockStats;
  stop(): void;
}

export function startClock(plant: Plant, options: ClockOptions): SimulationClock {
  const now = options.now ?? (() => performance.now());
  const maxCatchUpSimMs = options.maxCatchUpSimMs ?? options.speedFactor * 10_000;
  let lastRealMs = now();
  let carrySimMs = 0;
  let ticks = 0;
  let droppedSimMs = 0;
  let lastTickDurationMs = 0;
  let running = true;

  const tick = (): void => {
    const realMs = now();
    let simMs = (realMs - lastRealMs) * options.speedFactor + carrySimMs;
    lastRealMs = realMs;
    if (simMs > maxCatchUpSimMs) {
      droppedSimMs += simMs - maxCatchUpSimMs;
      simMs = maxCatchUpSimMs;
    }
    const wholeMs = Math.floor(simMs);
    carrySimMs = simMs - wholeMs;
    plant.advance(wholeMs);
    ticks += 1;
    lastTickDurationMs = now() - realMs;
  };
  const timer = setInterval(tick, options.tickMs);

  return {
    get running() {
      return running;
    },
    stats: () => ({ ticks, droppedSimMs, lastTickDurationMs }),
    stop() {
      running = false;
      clearInterval(timer);
    },
  };
}
