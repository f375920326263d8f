// The outbound consumer: kiln.production-count.v1, kiln.maintenance.alert.v1 and, with atShiftEnd, kiln.oee.v1
// (all keyed by asset id, so one asset's records of a topic arrive in order on one partition) -> decisions in the
// outbox. An asset's order is complete when a count of another order arrives after the current one's last count;
// with partialEveryMinutes, the first count of the running order past an interval boundary confirms it through
// that boundary; with atShiftEnd, the OEE result of a closed shift confirms the running order through the shift's
// end. The progress row (with the boundary confirmed through) and the confirmation are written in one
// transaction, the confirmation keyed by (order, operation, asset, 'final' or the boundary), so a replay or a crash
// before the commit never posts twice. Counts older than the asset's progress are late or replayed and decide
// nothing.
import { effectFailure, type DecodedBatch } from '@kiln/bus';
import { topics, type ProductionCountDelta } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import type { ErpStore, OrderCountTotals, OrderProgress } from '@kiln/timeseries';
import type { OutboundSection } from './config';
import type { DecodedAlert, OutboundInput, ShiftEnd } from './decode';
import { finalConfirmationKey, notificationKey, partialConfirmationKey, partialRevision } from './keys';
import type { OutboundMetrics } from './metrics';
import { atLeast, intervalBoundaryUs, maintenanceRequest, operationOn, orderConfirmation } from './requests';

/** The topics the outbound consumer reads: the OEE results too when shift ends are confirmed. */
export function outboundInputTopics(section: OutboundSection): string[] {
  const { confirmations } = section;
  return [
    topics.productionCount.name,
    topics.maintenanceAlert.name,
    ...(confirmations.enabled && confirmations.atShiftEnd ? [topics.oee.name] : []),
  ];
}

export interface DecisionDependencies {
  readonly store: ErpStore;
  readonly section: OutboundSection;
  /** The adapter's system name, for problems. */
  readonly erpSystem: string;
  readonly workCenterOf: (assetId: string) => string | undefined;
  readonly metrics: OutboundMetrics;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

export class DecisionHandler {
  constructor(private readonly deps: DecisionDependencies) {}

  async handle(batch: DecodedBatch<OutboundInput>): Promise<void> {
    const counts = new Map<string, ProductionCountDelta[]>();
    const alerts: DecodedAlert[] = [];
    const shiftEnds: ShiftEnd[] = [];
    for (const { event } of batch.events) {
      if (event.kind === 'counts') {
        const { assetId, deltas } = event.value;
        counts.set(assetId, [...(counts.get(assetId) ?? []), ...deltas]);
      } else if (event.kind === 'alert') alerts.push(event.value);
      else shiftEnds.push(event.value);
    }
    try {
      for (const [assetId, deltas] of counts) await this.countsOf(assetId, deltas);
      for (const alert of alerts) await this.alertOf(alert);
      for (const shiftEnd of shiftEnds) await this.shiftEnded(shiftEnd);
    } catch (error) {
      throw effectFailure(
        `deciding on ${batch.topic}[${batch.partition}] offsets ${batch.records[0]?.offset}..` +
          `${batch.records.at(-1)?.offset} failed`,
        error,
      );
    }
  }

  /** Follows the asset's order through its counts, in time order; one transaction per asset and batch. */
  private async countsOf(assetId: string, deltas: readonly ProductionCountDelta[]): Promise<void> {
    const ordered = deltas.filter((delta) => delta.orderId !== '').sort((a, b) => a.timeUs - b.timeUs);
    if (ordered.length === 0) return;
    const { confirmations } = this.deps.section;
    const decideFinal = confirmations.enabled && confirmations.finalOnOrderChange;
    const partialEveryMinutes = confirmations.enabled ? confirmations.partialEveryMinutes : undefined;
    const inserted = await this.deps.store.transaction(async (tx) => {
      const stored = await tx.progressOf(assetId, true);
      let progress = stored;
      let decided = 0;
      for (const delta of ordered) {
        if (progress === undefined) {
          progress = { assetId, orderId: delta.orderId, firstUs: delta.timeUs, lastUs: delta.timeUs };
        } else if (delta.orderId === progress.orderId) {
          if (partialEveryMinutes !== undefined) {
            // The first count after a boundary: the order's counts up to its last one (at or before the
            // boundary, after the last boundary confirmed) are confirmed through the boundary. A count covers
            // (previous time, time], so one stamped at the boundary is before it. Replayed and late counts are not
            // after the last one and cross no boundary.
            const boundaryUs = intervalBoundaryUs(delta.timeUs - 1, partialEveryMinutes);
            // A shift end may have confirmed the order past this boundary already.
            if (progress.lastUs <= boundaryUs && !confirmedThrough(progress, boundaryUs)) {
              const partial = await this.confirmOrder(tx, progress, boundaryUs, 'interval boundary passed');
              if (partial.inserted) decided++;
              if (partial.confirmed) progress = { ...progress, confirmedThroughUs: boundaryUs };
            }
          }
          progress = {
            ...progress,
            firstUs: Math.min(progress.firstUs, delta.timeUs),
            lastUs: Math.max(progress.lastUs, delta.timeUs),
          };
        } else if (delta.timeUs > progress.lastUs) {
          if (decideFinal && (await this.confirmOrder(tx, progress, undefined, 'order complete')).inserted)
            decided++;
          // The new order's time starts where the previous one's last part was counted (the changeover between
          // them is the new order's setup time), or where the previous one was confirmed through, when a shift
          // end confirmed it past its last part: no time is booked twice. Nothing of the new order is confirmed.
          const firstUs = Math.max(progress.lastUs, progress.confirmedThroughUs ?? progress.lastUs);
          progress = { assetId, orderId: delta.orderId, firstUs, lastUs: Math.max(firstUs, delta.timeUs) };
        }
      }
      if (progress !== undefined && !sameProgress(progress, stored)) await tx.setProgress(progress);
      return decided;
    });
    for (let i = 0; i < inserted; i++) this.deps.metrics.decision('confirmation');
  }

  /**
   * The OEE service closed a shift of the asset: the order running on it is confirmed through the shift's end,
   * unless that was done already (an earlier delivery of the result, a recomputed revision of it) or the order
   * started after the shift.
   */
  private async shiftEnded({ assetId, shiftId, endUs }: ShiftEnd): Promise<void> {
    const inserted = await this.deps.store.transaction(async (tx) => {
      const progress = await tx.progressOf(assetId, true);
      // An order whose first part is stamped at the shift end made it in the shift (a count covers
      // (previous time, time]); an order that started later has nothing to confirm.
      if (progress === undefined || progress.firstUs > endUs || confirmedThrough(progress, endUs))
        return false;
      const partial = await this.confirmOrder(tx, progress, endUs, `shift ${shiftId} ended`);
      if (partial.confirmed) await tx.setProgress({ ...progress, confirmedThroughUs: endUs });
      return partial.inserted;
    });
    if (inserted) this.deps.metrics.decision('confirmation');
  }

  /**
   * Confirms the asset's order from where the last partial confirmation ended (its start when there was none):
   * through `boundaryUs` as a partial confirmation, or to its last count as the final one (`boundaryUs`
   * undefined), so the partials and the final add up to the order's counts and span. `confirmed`: the outbox
   * holds the confirmation (inserted now or by an earlier delivery of the same counts). `reason` is logged.
   */
  private async confirmOrder(
    tx: ErpStore,
    progress: OrderProgress,
    boundaryUs: number | undefined,
    reason: string,
  ): Promise<{ confirmed: boolean; inserted: boolean }> {
    const { assetId, orderId, confirmedThroughUs } = progress;
    const final = boundaryUs === undefined;
    const operations = await tx.orderOf(orderId);
    const workCenter = this.deps.workCenterOf(assetId);
    const operation = operationOn(operations, assetId, workCenter);
    if (operation === undefined) {
      await tx.recordProblems(
        this.deps.erpSystem,
        'confirmation',
        [
          {
            recordId: orderId,
            problem: `unknown order: counted on asset "${assetId}", never read from the ERP`,
          },
        ],
        this.deps.now() * 1000,
      );
      this.deps.metrics.problem('confirmation');
      this.deps.logger.warn(
        { assetId, orderId, final },
        `${final ? 'completed' : 'running'} order unknown to the ERP: no confirmation`,
      );
      return { confirmed: false, inserted: false };
    }
    const kilnRef = `${orderId}/${operation.operationId}/${assetId}`;
    const totals = final
      ? await this.remainder(tx, assetId, orderId, kilnRef)
      : await tx.orderCounts(assetId, orderId, { fromUs: confirmedThroughUs, toUs: boundaryUs });
    // The historian writes counts before it publishes them; none stored yet: leave them to the next confirmation.
    if (!final && totals.firstUs === undefined) return { confirmed: false, inserted: false };
    const startUs = confirmedThroughUs ?? Math.min(progress.firstUs, totals.firstUs ?? progress.firstUs);
    // A final after a shift end past the order's last part (confirmed through the shift's end) spans nothing.
    const endUs = Math.max(
      startUs,
      boundaryUs ?? Math.max(progress.lastUs, totals.lastUs ?? progress.lastUs),
    );
    const idempotencyKey = final
      ? finalConfirmationKey(orderId, operation.operationId, assetId)
      : partialConfirmationKey(orderId, operation.operationId, assetId, boundaryUs);
    const inserted = await tx.insertOutbox({
      id: idempotencyKey,
      kind: 'confirmation',
      kilnRef,
      revision: final ? 'final' : partialRevision(boundaryUs),
      assetId,
      payload: orderConfirmation({
        idempotencyKey,
        final,
        operation,
        totals,
        secondsByState: await tx.stateDurations(assetId, startUs, endUs),
        startUs,
        endUs,
      }),
      createdUs: this.deps.now() * 1000,
    });
    if (inserted) {
      this.deps.logger.info(
        {
          assetId,
          orderId,
          operationId: operation.operationId,
          idempotencyKey,
          yield: totals.goodCount,
          endUs,
        },
        `${reason}: ${final ? 'final' : 'partial'} confirmation in the outbox`,
      );
    }
    return { confirmed: true, inserted };
  }

  /**
   * What the final confirmation books: every count of the order on the asset less what partial confirmations
   * booked, so a count that arrived late (before a boundary already confirmed) is booked too, and the partials and
   * the final add up to the order's counts exactly.
   */
  private async remainder(
    tx: ErpStore,
    assetId: string,
    orderId: string,
    kilnRef: string,
  ): Promise<OrderCountTotals> {
    const [all, confirmed] = await Promise.all([
      tx.orderCounts(assetId, orderId),
      tx.partiallyConfirmed(kilnRef),
    ]);
    const goodCount = all.goodCount - confirmed.goodCount;
    const scrapCount = all.scrapCount - confirmed.scrapCount;
    return { ...all, goodCount, scrapCount, totalCount: goodCount + scrapCount };
  }

  private async alertOf({ alert, severity, status }: DecodedAlert): Promise<void> {
    const { section, store, metrics } = this.deps;
    if (!section.notifications.enabled || status !== 'open') return;
    if (!atLeast(severity, section.notifications.minSeverity)) return;
    const workCenter = this.deps.workCenterOf(alert.assetId);
    if (workCenter === undefined) {
      await store.recordProblems(
        this.deps.erpSystem,
        'notification',
        [{ recordId: alert.alertId, problem: `no work center for asset "${alert.assetId}"` }],
        this.deps.now() * 1000,
      );
      metrics.problem('notification');
      this.deps.logger.warn(
        { assetId: alert.assetId, alertId: alert.alertId },
        'no work center for the asset of an open alert: no maintenance notification',
      );
      return;
    }
    const idempotencyKey = notificationKey(alert.alertId);
    const inserted = await store.insertOutbox({
      id: idempotencyKey,
      kind: 'notification',
      kilnRef: alert.alertId,
      revision: '',
      assetId: alert.assetId,
      payload: maintenanceRequest(alert, severity, workCenter, idempotencyKey),
      createdUs: this.deps.now() * 1000,
    });
    if (inserted) {
      metrics.decision('notification');
      this.deps.logger.info(
        { assetId: alert.assetId, alertId: alert.alertId, idempotencyKey },
        'alert opened: maintenance notification in the outbox',
      );
    }
  }
}

/** The order was confirmed through `timeUs` or later. */
const confirmedThrough = (progress: OrderProgress, timeUs: number): boolean =>
  progress.confirmedThroughUs !== undefined && progress.confirmedThroughUs >= timeUs;

const sameProgress = (a: OrderProgress, b: OrderProgress | undefined): boolean =>
  b !== undefined &&
  a.orderId === b.orderId &&
  a.firstUs === b.firstUs &&
  a.lastUs === b.lastUs &&
  a.confirmedThroughUs === b.confirmedThroughUs;
