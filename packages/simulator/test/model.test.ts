import {
  DEFAULT_PLANT_CONFIG,
  FAULT_CODE,
  MACHINE_STATE,
  Plant,
  SIGNALS,
  type PlantModelConfig,
  type SignalChange,
} from '../src/model';

const START = Date.parse('2025-03-03T05:00:00Z');
const HOUR = 3_600_000;

function record(plant: Plant): SignalChange[] {
  const changes: SignalChange[] = [];
  plant.onChange((change) => changes.push(change));
  return changes;
}

function run(seed: number, durationMs: number, config: PlantModelConfig = DEFAULT_PLANT_CONFIG) {
  const plant = new Plant(config, { seed, startTimeMs: START });
  const changes = record(plant);
  plant.advance(durationMs);
  return { plant, changes };
}

describe('the plant model', () => {
  it('replays the same change stream for the same seed, config and advance calls', () => {
    const a = new Plant(DEFAULT_PLANT_CONFIG, { seed: 42, startTimeMs: START });
    const b = new Plant(DEFAULT_PLANT_CONFIG, { seed: 42, startTimeMs: START });
    const changesA = record(a);
    const changesB = record(b);
    for (let i = 0; i < 90; i += 1) a.advance(60_000);
    // Different chunking, same total: remainders shorter than a step carry over.
    for (let i = 0; i < 90 * 8; i += 1) b.advance(7_450 + (i % 2) * 100);
    expect(changesA.length).toBeGreaterThan(10_000);
    expect(JSON.stringify(changesB)).toBe(JSON.stringify(changesA));
    expect(b.stats()).toEqual(a.stats());
  });

  it('gives a different plant for a different seed', () => {
    const a = run(1, HOUR).changes;
    const b = run(2, HOUR).changes;
    expect(b).not.toEqual(a);
  });

  it('names assets after the ISA-95 path', () => {
    const plant = new Plant({ ...DEFAULT_PLANT_CONFIG, area: 'assembly' }, { seed: 1, startTimeMs: START });
    expect(plant.machines.map((m) => m.identity.assetId)).toContain('acme/plant-1/assembly/line-2/machine-4');
    const plain = new Plant(DEFAULT_PLANT_CONFIG, { seed: 1, startTimeMs: START });
    expect(plain.machines[0]?.identity.assetId).toBe('acme/plant-1/line-1/machine-1');
    expect(plain.machines).toHaveLength(8);
  });

  it('goes through running, micro-stops, breakdowns, changeovers and planned stops in a simulated shift', () => {
    const { plant, changes } = run(7, 8 * HOUR);
    const seen = new Set(changes.filter((c) => c.signal === 'state').map((c) => c.value));
    for (const code of Object.values(MACHINE_STATE)) expect(seen).toContain(code);
    const faults = new Set(changes.filter((c) => c.signal === 'faultCode').map((c) => c.value));
    expect(faults).toContain(FAULT_CODE.NONE);
    expect(faults.size).toBeGreaterThan(2);
    const orders = changes.filter((c) => c.signal === 'orderNumber');
    expect(orders.length).toBeGreaterThan(4);
    const stats = plant.stats();
    for (const machine of stats.machines) {
      const total = Object.values(machine.timeInStateMs).reduce((sum, ms) => sum + ms, 0);
      expect(total).toBe(8 * HOUR);
      expect(machine.timeInStateMs.RUNNING).toBeGreaterThan(4 * HOUR);
    }
  });

  it('counts parts on monotonic PLC counters that roll over and are sometimes reset', () => {
    const config: PlantModelConfig = {
      ...DEFAULT_PLANT_CONFIG,
      counters: { rollover: 500, resetProbability: 0.5, publishEvery: 1, randomStart: true },
    };
    const { plant, changes } = run(3, 6 * HOUR, config);
    for (const stats of plant.stats().machines) {
      const counts = changes.filter((c) => c.assetId === stats.assetId && c.signal === 'totalCount');
      let rollovers = 0;
      let resets = 0;
      let previous = Number(counts[0]?.value) - 1;
      for (const change of counts) {
        const value = Number(change.value);
        if (value >= 500) throw new Error(`counter of ${stats.assetId} reached ${value} >= rollover 500`);
        if (value !== previous + 1) {
          if (previous === 499 && value === 0) rollovers += 1;
          else if (value === 0) resets += 1;
          else throw new Error(`counter of ${stats.assetId} jumped from ${previous} to ${value}`);
        }
        previous = value;
      }
      expect(rollovers).toBe(stats.counterRollovers.totalCount);
      expect(resets).toBeLessThanOrEqual(stats.counterResets);
      expect(stats.partsProduced).toBeGreaterThan(1000);
      expect(stats.rejectsProduced / stats.partsProduced).toBeGreaterThan(0.005);
      expect(stats.rejectsProduced / stats.partsProduced).toBeLessThan(0.05);
    }
    const stats = plant.stats().machines;
    expect(stats.reduce((sum, m) => sum + m.counterRollovers.totalCount, 0)).toBeGreaterThan(8);
    expect(stats.reduce((sum, m) => sum + m.counterResets, 0)).toBeGreaterThan(2);
  });

  it('reports every part with publishEvery 1: counter increments equal the ground truth', () => {
    const config: PlantModelConfig = {
      ...DEFAULT_PLANT_CONFIG,
      counters: { rollover: 2 ** 32, resetProbability: 0, publishEvery: 1, randomStart: false },
    };
    const { plant, changes } = run(11, 2 * HOUR, config);
    for (const stats of plant.stats().machines) {
      expect(plant.machine(stats.assetId).value('totalCount')).toBe(stats.partsProduced);
      expect(plant.machine(stats.assetId).value('rejectCount')).toBe(stats.rejectsProduced);
      const mine = changes.filter((c) => c.assetId === stats.assetId);
      for (const signal of SIGNALS) {
        expect(mine.filter((c) => c.signal === signal.name)).toHaveLength(stats.changes[signal.name]);
      }
    }
    expect(plant.stats().totalChanges).toBe(changes.length);
  });

  it('publishes a counter every N parts when asked', () => {
    const config: PlantModelConfig = {
      ...DEFAULT_PLANT_CONFIG,
      counters: { rollover: 2 ** 32, resetProbability: 0, publishEvery: 10, randomStart: false },
    };
    const { changes } = run(5, HOUR, config);
    const counts = changes.filter((c) => c.signal === 'totalCount').map((c) => Number(c.value));
    expect(counts.length).toBeGreaterThan(10);
    for (const value of counts) expect(value % 10).toBe(0);
  });

  it('lets vibration rise before a bearing failure and drop after the repair', () => {
    const plant = new Plant(DEFAULT_PLANT_CONFIG, { seed: 9, startTimeMs: START });
    const changes: SignalChange[] = [];
    plant.onChange((c) => {
      if (c.signal === 'state' || c.signal === 'vibration' || c.signal === 'faultCode') changes.push(c);
    });
    plant.advance(24 * HOUR);
    const failures = changes.filter(
      (c) => c.signal === 'faultCode' && c.value === FAULT_CODE.BEARING_FAILURE,
    );
    expect(failures.length).toBeGreaterThan(2);
    const runningVibration = (assetId: string, fromMs: number, toMs: number): number[] => {
      // Vibration while running only (a stopped machine barely vibrates).
      let running = false;
      const values: number[] = [];
      for (const change of changes) {
        if (change.assetId !== assetId || change.sourceTimeMs > toMs) continue;
        if (change.signal === 'state') running = change.value === MACHINE_STATE.RUNNING;
        if (change.signal === 'vibration' && running && change.sourceTimeMs >= fromMs) {
          values.push(Number(change.value));
        }
      }
      return values;
    };
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
    for (const failure of failures) {
      const t = failure.sourceTimeMs;
      if (t + 3 * HOUR > START + 24 * HOUR) continue;
      const before = runningVibration(failure.assetId, t - 15 * 60_000, t);
      const earlier = runningVibration(failure.assetId, t - 4 * HOUR, t - 3 * HOUR);
      const after = runningVibration(failure.assetId, t + HOUR, t + 2 * HOUR);
      expect(before.length).toBeGreaterThan(0);
      expect(mean(before)).toBeGreaterThan(7);
      if (earlier.length > 0) expect(mean(before)).toBeGreaterThan(mean(earlier));
      if (after.length > 0) expect(mean(after)).toBeLessThan(2);
    }
  });

  it('stops every machine during a planned break', () => {
    const plant = new Plant(DEFAULT_PLANT_CONFIG, {
      seed: 4,
      startTimeMs: Date.parse('2025-03-03T05:30:00Z'),
    });
    plant.advance(31 * 60_000); // 06:01, inside the 06:00-06:30 break
    for (const machine of plant.machines) {
      // A machine in breakdown or changeover finishes it first.
      if (['RUNNING', 'IDLE', 'STARVED', 'BLOCKED'].includes(machine.stateName)) {
        throw new Error(`${machine.identity.assetId} is ${machine.stateName} during a break`);
      }
    }
    expect(plant.machines.filter((m) => m.stateName === 'PLANNED_STOP').length).toBeGreaterThanOrEqual(4);
    plant.advance(30 * 60_000);
    expect(plant.machines.filter((m) => m.stateName === 'PLANNED_STOP')).toHaveLength(0);
  });

  it('samples analog signals every second with source timestamps on the step grid', () => {
    const { changes } = run(8, 60_000);
    const temperature = changes.filter((c) => c.signal === 'temperature' && c.machineId === 'machine-1');
    expect(temperature.length).toBeGreaterThan(100);
    for (const change of changes) expect(change.sourceTimeMs % 100).toBe(0);
  });

  it('exports a signal list with data types and UCUM units', () => {
    expect(SIGNALS.find((s) => s.name === 'vibration')).toMatchObject({ dataType: 'Double', unit: 'mm/s' });
    expect(SIGNALS.find((s) => s.name === 'temperature')).toMatchObject({ unit: 'Cel' });
    expect(SIGNALS.find((s) => s.name === 'totalCount')).toMatchObject({ dataType: 'UInt32' });
  });
});
