// The ERP simulator's books kept in step with a simulated plant, so the demo and the tests have an ERP whose orders
// are the ones the machines run: one work center per machine, the running order released, the next ones planned
// (they firm up when the machine starts them), and a three-shift calendar with the plant's breaks.
import type { Machine, Plant } from '../model';
import { parsePlannedStops } from '../model';
import type { ErpDataset, ErpShiftBreak } from './dataset';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The machine standard value is kept per 100 pieces, as plants often do. */
const REFERENCE_QUANTITY = 100;

export interface PlantErpOptions {
  /** Plant code of the work centers, e.g. "1010". */
  readonly plantCode?: string;
  /** Orders planned ahead of the running one, per machine. */
  readonly plannedAhead?: number;
  /** Days of shift calendar kept ahead of the plant's clock. */
  readonly calendarDaysAhead?: number;
}

/** The ERP work center of a machine, e.g. "L1M01". */
export function workCenterOf(machine: Machine): string {
  const { lineIndex, machineIndex } = machine.identity;
  return `L${lineIndex + 1}M${String(machineIndex + 1).padStart(2, '0')}`;
}

/** The work-center map erp-sync needs for this plant: ERP work center -> Kiln asset id. */
export function plantWorkCenterMap(plant: Plant): Record<string, string> {
  return Object.fromEntries(
    plant.machines.map((machine) => [workCenterOf(machine), machine.identity.assetId]),
  );
}

/** Fills `dataset` from `plant` and keeps it in step; returns the function that stops following the plant. */
export function linkPlantToErp(plant: Plant, dataset: ErpDataset, options: PlantErpOptions = {}): () => void {
  const plannedAhead = options.plannedAhead ?? 2;
  const daysAhead = options.calendarDaysAhead ?? 2;
  const { minQuantity, maxQuantity } = plant.config.orders;
  const nominalQuantity = Math.round((minQuantity + maxQuantity) / 2);
  const idealS = plant.config.idealCycleTimeS;
  const breaks = parsePlannedStops(plant.config.plannedStops);

  const planOrder = (machine: Machine, sequence: number, nowMs: number): void => {
    const orderId = machine.orderNumberOf(sequence);
    if (dataset.orders.has(orderId)) return;
    const startMs = nowMs + (sequence - machine.currentOrder().sequence) * nominalQuantity * idealS * 1000;
    dataset.upsertOrder({
      orderId,
      operationId: '0010',
      workCenter: workCenterOf(machine),
      material: `FG-${1000 + (sequence % 7)}`,
      materialDescription: `Housing variant ${(sequence % 7) + 1}`,
      targetQuantity: nominalQuantity,
      unit: 'PC',
      machineStandardValueS: idealS * REFERENCE_QUANTITY,
      referenceQuantity: REFERENCE_QUANTITY,
      status: 'CRTD',
      scheduledStartMs: startMs,
      scheduledEndMs: startMs + nominalQuantity * idealS * 1000,
      actualStartMs: undefined,
      actualEndMs: undefined,
      confirmedYield: 0,
      confirmedScrap: 0,
      changedMs: nowMs,
    });
  };

  /** The running order is released with what the machine really makes of it; the next ones are planned. */
  const releaseCurrent = (machine: Machine, nowMs: number, startedMs: number | undefined): void => {
    const order = machine.currentOrder();
    planOrder(machine, order.sequence, nowMs);
    const record = dataset.orders.get(order.orderNumber);
    if (record !== undefined && record.status === 'CRTD') {
      record.status = 'REL';
      record.targetQuantity = order.quantity;
      record.machineStandardValueS = order.idealCycleTimeS * REFERENCE_QUANTITY;
      record.actualStartMs = startedMs ?? nowMs - order.produced * order.idealCycleTimeS * 1000;
      record.scheduledStartMs = Math.min(record.scheduledStartMs, record.actualStartMs);
      record.scheduledEndMs = record.actualStartMs + order.quantity * order.idealCycleTimeS * 1000;
      record.changedMs = nowMs;
    }
    for (let ahead = 1; ahead <= plannedAhead; ahead += 1) planOrder(machine, order.sequence + ahead, nowMs);
  };

  let calendarUntilMs = 0;
  const extendCalendar = (nowMs: number): void => {
    const untilMs = Math.floor(nowMs / DAY_MS) * DAY_MS + (daysAhead + 1) * DAY_MS;
    if (untilMs <= calendarUntilMs) return;
    const fromMs = calendarUntilMs === 0 ? Math.floor(nowMs / DAY_MS) * DAY_MS - DAY_MS : calendarUntilMs;
    for (let dayMs = fromMs; dayMs < untilMs; dayMs += DAY_MS) {
      const day = new Date(dayMs).toISOString().slice(0, 10);
      for (const [name, startH] of [
        ['early', 6],
        ['late', 14],
        ['night', 22],
      ] as const) {
        const startMs = dayMs + startH * HOUR_MS;
        const endMs = startMs + 8 * HOUR_MS;
        const shiftBreaks: ErpShiftBreak[] = [];
        for (let d = dayMs - DAY_MS; d <= dayMs + DAY_MS; d += DAY_MS) {
          for (const pause of breaks) {
            const pauseStart = d + pause.startMsOfDay;
            if (pauseStart >= startMs && pauseStart + pause.durationMs <= endMs) {
              shiftBreaks.push({
                startMs: pauseStart,
                endMs: pauseStart + pause.durationMs,
                reason: 'break',
              });
            }
          }
        }
        for (const machine of plant.machines) {
          dataset.upsertShift({
            workCenter: workCenterOf(machine),
            shiftId: `${day}/${name}`,
            name,
            startMs,
            endMs,
            breaks: shiftBreaks,
            cancelled: false,
            changedMs: nowMs,
          });
        }
      }
    }
    calendarUntilMs = untilMs;
  };

  const nowMs = plant.nowMs;
  for (const machine of plant.machines) {
    dataset.addWorkCenter({
      id: workCenterOf(machine),
      plant: options.plantCode ?? '1010',
      description: `${machine.identity.lineId} ${machine.identity.machineId}`,
      assetId: machine.identity.assetId,
    });
    releaseCurrent(machine, nowMs, undefined);
  }
  extendCalendar(nowMs);
  const stopChanges = plant.onChange((change) => {
    if (change.signal !== 'orderNumber') return;
    releaseCurrent(plant.machine(change.assetId), change.sourceTimeMs, change.sourceTimeMs);
  });
  const stopAdvance = plant.onAdvance((now) => extendCalendar(now));
  return () => {
    stopChanges();
    stopAdvance();
  };
}
