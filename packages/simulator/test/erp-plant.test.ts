// The ERP simulator's books follow the simulated plant: a work center per machine, the running order released with
// what the machine makes of it, the next ones planned and released when the machine starts them, and shifts.
import { DEFAULT_PLANT_CONFIG, ErpDataset, linkPlantToErp, Plant, plantWorkCenterMap } from '../src';

const START_MS = Date.UTC(2026, 3, 6, 5, 0);

function plant(): Plant {
  return new Plant(
    { ...DEFAULT_PLANT_CONFIG, lines: 1, machinesPerLine: 2, stepMs: 1000 },
    { seed: 4, startTimeMs: START_MS },
  );
}

describe('linkPlantToErp', () => {
  it('books a work center per machine and releases the order each machine runs', () => {
    const simulated = plant();
    const dataset = new ErpDataset(() => simulated.nowMs);
    linkPlantToErp(simulated, dataset);
    expect(plantWorkCenterMap(simulated)).toEqual({
      L1M01: simulated.machines[0]?.identity.assetId,
      L1M02: simulated.machines[1]?.identity.assetId,
    });
    for (const machine of simulated.machines) {
      const running = machine.currentOrder();
      const order = dataset.orders.get(running.orderNumber);
      expect(order).toMatchObject({
        status: 'REL',
        targetQuantity: running.quantity,
        referenceQuantity: 100,
      });
      expect((order?.machineStandardValueS ?? 0) / 100).toBeCloseTo(running.idealCycleTimeS, 9);
      expect(dataset.orders.get(machine.orderNumberOf(running.sequence + 1))?.status).toBe('CRTD');
      expect(dataset.orders.get(machine.orderNumberOf(running.sequence + 2))?.status).toBe('CRTD');
    }
  });

  it('releases the next order when the machine starts it, with its real quantity and start', () => {
    const simulated = plant();
    const dataset = new ErpDataset(() => simulated.nowMs);
    linkPlantToErp(simulated, dataset);
    const [machine] = simulated.machines;
    if (machine === undefined) throw new Error('no machine');
    const first = machine.currentOrder();
    while (machine.currentOrder().sequence === first.sequence) simulated.advance(60_000);
    const next = machine.currentOrder();
    const order = dataset.orders.get(next.orderNumber);
    expect(order).toMatchObject({ status: 'REL', targetQuantity: next.quantity });
    expect(order?.actualStartMs).toBeGreaterThan(START_MS);
    expect(order?.actualStartMs).toBeLessThanOrEqual(simulated.nowMs);
    expect(dataset.orders.get(machine.orderNumberOf(next.sequence + 2))?.status).toBe('CRTD');
  });

  it('keeps three shifts a day per work center ahead of the clock, with the plant breaks inside them', () => {
    const simulated = plant();
    const dataset = new ErpDataset(() => simulated.nowMs);
    linkPlantToErp(simulated, dataset, { calendarDaysAhead: 1 });
    const early = dataset.shifts.get('L1M01/2026-04-06/early');
    expect(early).toMatchObject({
      name: 'early',
      startMs: Date.UTC(2026, 3, 6, 6),
      endMs: Date.UTC(2026, 3, 6, 14),
    });
    expect(early?.breaks.map((pause) => [pause.startMs, pause.endMs])).toEqual([
      [Date.UTC(2026, 3, 6, 6), Date.UTC(2026, 3, 6, 6, 30)],
      [Date.UTC(2026, 3, 6, 10), Date.UTC(2026, 3, 6, 10, 15)],
    ]);
    expect(dataset.shifts.has('L1M02/2026-04-08/night')).toBe(false);
    simulated.advance(24 * 3_600_000);
    expect(dataset.shifts.has('L1M02/2026-04-08/night')).toBe(true);
  });
});
