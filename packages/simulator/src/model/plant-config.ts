// The shape of a simulated plant and the behaviour of its machines. Plain data: the zod schema in
// ../config.ts validates it and fills the defaults below.
// Math bound once: global lookups are slow inside vm contexts (jest), and this is the hot path.
const { max } = Math;

export interface PlannedStopWindow {
  /** Start time of day, UTC, `HH:MM`. */
  readonly startUtc: string;
  readonly durationMin: number;
}

export interface PlantModelConfig {
  readonly enterprise: string;
  readonly site: string;
  /** ISA-95 area; when empty the asset id skips it (`acme/plant-1/line-1/machine-1`). */
  readonly area: string;
  readonly lines: number;
  readonly machinesPerLine: number;
  /** Fixed simulation step; every state change happens on a step boundary. */
  readonly stepMs: number;
  /** Sample period of the analog signals (deadband 0: every sample that differs is a change). */
  readonly sampleIntervalMs: number;
  readonly idealCycleTimeS: number;
  /** Relative standard deviation of a cycle around the ideal. */
  readonly cycleTimeNoise: number;
  /** Fraction of parts rejected. */
  readonly rejectRate: number;
  readonly counters: {
    /** Counters wrap to 0 when reaching this value (65536 for a 16-bit PLC counter, 4294967296 for 32-bit). */
    readonly rollover: number;
    /** Probability that the counters are reset to 0 at an order change (operators do that). */
    readonly resetProbability: number;
    /** Publish a counter every N parts (1 = every increment). */
    readonly publishEvery: number;
    /** Start counters at a random value below the rollover rather than 0. */
    readonly randomStart: boolean;
  };
  readonly microStops: {
    readonly meanIntervalMin: number;
    readonly minDurationS: number;
    readonly maxDurationS: number;
  };
  readonly slowDowns: {
    readonly meanIntervalMin: number;
    readonly minDurationMin: number;
    readonly maxDurationMin: number;
    /** Cycle time multiplier drawn from [1.1, maxFactor]. */
    readonly maxFactor: number;
  };
  readonly breakdowns: {
    /** Mean running hours of a bearing from repair to failure (vibration rises along the way). */
    readonly bearingLifeH: number;
    /** Mean running hours between random (non-bearing) faults. */
    readonly mtbfH: number;
    readonly minRepairMin: number;
    readonly maxRepairMin: number;
  };
  readonly orders: {
    readonly minQuantity: number;
    readonly maxQuantity: number;
    readonly minChangeoverMin: number;
    readonly maxChangeoverMin: number;
  };
  readonly plannedStops: readonly PlannedStopWindow[];
}

export const DEFAULT_PLANT_CONFIG: PlantModelConfig = {
  enterprise: 'acme',
  site: 'plant-1',
  area: '',
  lines: 2,
  machinesPerLine: 4,
  stepMs: 100,
  sampleIntervalMs: 1000,
  idealCycleTimeS: 10,
  cycleTimeNoise: 0.03,
  rejectRate: 0.02,
  counters: { rollover: 65536, resetProbability: 0.1, publishEvery: 1, randomStart: true },
  microStops: { meanIntervalMin: 15, minDurationS: 3, maxDurationS: 90 },
  slowDowns: { meanIntervalMin: 60, minDurationMin: 2, maxDurationMin: 15, maxFactor: 1.4 },
  breakdowns: { bearingLifeH: 8, mtbfH: 12, minRepairMin: 10, maxRepairMin: 45 },
  orders: { minQuantity: 200, maxQuantity: 600, minChangeoverMin: 8, maxChangeoverMin: 25 },
  plannedStops: [
    { startUtc: '02:00', durationMin: 20 },
    { startUtc: '06:00', durationMin: 30 },
    { startUtc: '10:00', durationMin: 15 },
    { startUtc: '14:00', durationMin: 30 },
    { startUtc: '18:00', durationMin: 15 },
    { startUtc: '22:00', durationMin: 30 },
  ],
};

const DAY_MS = 86_400_000;

/** Parses `HH:MM` into milliseconds after midnight; throws naming the bad value. */
export function timeOfDayMs(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match === null) throw new Error(`planned stop start "${text}" is not a UTC time of day HH:MM`);
  return (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

export interface PlannedStopSpan {
  readonly startMsOfDay: number;
  readonly durationMs: number;
}

export function parsePlannedStops(windows: readonly PlannedStopWindow[]): PlannedStopSpan[] {
  return windows.map((window) => ({
    startMsOfDay: timeOfDayMs(window.startUtc),
    durationMs: window.durationMin * 60_000,
  }));
}

/** If `timeMs` falls inside a planned stop window, the time that window ends; otherwise undefined. */
export function plannedStopEnd(spans: readonly PlannedStopSpan[], timeMs: number): number | undefined {
  const msOfDay = ((timeMs % DAY_MS) + DAY_MS) % DAY_MS;
  let end: number | undefined;
  for (const span of spans) {
    const offset = (((msOfDay - span.startMsOfDay) % DAY_MS) + DAY_MS) % DAY_MS;
    if (offset < span.durationMs) {
      const spanEnd = timeMs - offset + span.durationMs;
      end = end === undefined ? spanEnd : max(end, spanEnd);
    }
  }
  return end;
}
