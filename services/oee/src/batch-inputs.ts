// Storing a batch's inputs with a few statements whatever its size, and the time ranges whose windows they
// change, per asset: the windows are then recomputed once per asset and batch, not once per event.
import { OeeWindowKind, type MachineStateEvent, type ProductionCountBatch } from '@kiln/contracts';
import { countDeltaFromEvent, countRange, type TimeRange } from '@kiln/oee';
import { kindName, type OeeStore, type OrderShiftSpan, type SpanChange } from '@kiln/oee-store';
import type { Logger } from '@kiln/service-kit';
import type { HistorianWriter } from '@kiln/timeseries';
import { stateTimeOf, type Decoded } from './decode';
import type { OeeMetrics } from './metrics';

export class AffectedRanges {
  readonly byAsset = new Map<string, TimeRange[]>();

  add(assetId: string, range: TimeRange): void {
    const ranges = this.byAsset.get(assetId) ?? [];
    ranges.push({ fromUs: range.fromUs, toUs: Math.max(range.toUs, range.fromUs + 1) });
    this.byAsset.set(assetId, ranges);
  }
}

export interface InputDependencies {
  readonly store: OeeStore;
  readonly writer: HistorianWriter;
  readonly metrics: OeeMetrics;
  readonly logger: Logger;
}

export interface BatchOrigin {
  readonly topic: string;
  readonly partition: number;
}

/** Stores the decoded events of one batch; returns the time ranges each asset's windows must be recomputed over. */
export async function storeInputs(
  deps: InputDependencies,
  origin: BatchOrigin,
  decoded: readonly Decoded[],
  nowUs: number,
): Promise<AffectedRanges> {
  const affected = new AffectedRanges();
  const states: MachineStateEvent[] = [];
  const counts: ProductionCountBatch[] = [];
  for (const event of decoded) {
    if (event.kind === 'state') states.push(event.value);
    else if (event.kind === 'count') counts.push(event.value);
  }
  if (states.length > 0) await storeStates(deps, origin, states, affected, nowUs);
  if (counts.length > 0) {
    await deps.writer.writeProductionCountBatches(counts);
    for (const countBatch of counts) {
      // A count reaches the windows of (interval start, time]: a point one the window ending at its time.
      for (const delta of countBatch.deltas)
        affected.add(countBatch.assetId, countRange(countDeltaFromEvent(delta)));
    }
  }
  await storeErp(deps.store, decoded, affected, nowUs);
  const assets = new Map(decoded.map((event) => [event.value.assetId, origin.partition]));
  await deps.store.noteAssets(
    [...assets].map(([assetId, partition]) => ({ assetId, partition })),
    nowUs,
  );
  return affected;
}

/**
 * A change at t alters the run before it (it may become a micro-stop or not) and the run from t on, before and
 * after the write (@kiln/oee README, windows and late data). The runs around all of an asset's changes in the
 * batch come from one read of its states before the write and one after.
 */
async function storeStates(
  deps: InputDependencies,
  origin: BatchOrigin,
  states: readonly MachineStateEvent[],
  affected: AffectedRanges,
  nowUs: number,
): Promise<void> {
  const timesByAsset = new Map<string, number[]>();
  for (const event of states) {
    const timeUs = stateTimeOf(event);
    if (timeUs === undefined) continue;
    const times = timesByAsset.get(event.assetId) ?? [];
    times.push(timeUs);
    timesByAsset.set(event.assetId, times);
  }
  const addRuns = async (): Promise<void> => {
    const runs = await Promise.all(
      [...timesByAsset].map(async ([assetId, times]) => {
        const span = { fromUs: Math.min(...times), toUs: Math.max(...times) + 1 };
        const stretch = await deps.store.statesAround(assetId, span, false);
        return times.map((timeUs) => ({ assetId, timeUs, run: stretch.runAround(timeUs, false) }));
      }),
    );
    for (const { assetId, timeUs, run } of runs.flat()) {
      affected.add(assetId, { fromUs: run.runStartUs ?? timeUs, toUs: run.runEndUs ?? nowUs });
    }
  };
  await addRuns();
  const written = await deps.writer.writeMachineStateEvents(states);
  if (written.reasonsUnmatched.length > 0) {
    deps.metrics.reasonsUnmatched(written.reasonsUnmatched.length);
    deps.logger.warn(
      { topic: origin.topic, partition: origin.partition, unmatched: written.reasonsUnmatched.slice(0, 5) },
      'stop reasons name stop starts that are not stored; they were not applied',
    );
  }
  await addRuns();
}

/** Orders and shifts: the spans before and after each applied message, and stored windows whose start moved. */
async function storeErp(
  store: OeeStore,
  decoded: readonly Decoded[],
  affected: AffectedRanges,
  nowUs: number,
): Promise<void> {
  const orders = decoded.flatMap((event) => (event.kind === 'order' ? [event.value] : []));
  const shifts = decoded.flatMap((event) => (event.kind === 'shift' ? [event.value] : []));
  if (orders.length === 0 && shifts.length === 0) return;
  const stale: { assetId: string; kind: string; ref: string; keepStartUs?: number }[] = [];
  const note = (assetId: string, kind: OeeWindowKind, ref: string, change: SpanChange): void => {
    if (!change.applied) return;
    for (const span of [change.previous, change.current]) {
      if (span !== undefined) affected.add(assetId, { fromUs: span.startUs, toUs: endOf(span, nowUs) });
    }
    const keepStartUs = change.current?.startUs;
    stale.push({ assetId, kind: kindName(kind), ref, ...(keepStartUs === undefined ? {} : { keepStartUs }) });
  };
  const orderChanges = await store.erp.upsertOrders(orders);
  orders.forEach((order, i) => {
    const change = orderChanges[i];
    if (change !== undefined) note(order.assetId, OeeWindowKind.OEE_WINDOW_KIND_ORDER, order.orderId, change);
  });
  const shiftChanges = await store.erp.upsertShifts(shifts);
  shifts.forEach((shift, i) => {
    const change = shiftChanges[i];
    if (change !== undefined) note(shift.assetId, OeeWindowKind.OEE_WINDOW_KIND_SHIFT, shift.shiftId, change);
  });
  // Net effect of removing per message in turn: a window survives only where every applied message keeps it.
  await store.erp.removeStaleWindows(stale);
}

/** An order still running ends now; a shift always has an end. */
function endOf(span: OrderShiftSpan, nowUs: number): number {
  return span.endUs ?? nowUs;
}
