// The outbound consumer: kiln.production-count.v1 and kiln.maintenance.alert.v1 (both keyed by asset id, so one
// asset's counts and alerts arrive in order on one partition) -> decisions in the outbox. An asset's order is
// complete when a count of another order arrives after the current one's last count; the progress row and the
// final confirmation are written in one transaction, the confirmation keyed by (order, operation, asset), so a
// replay or a crash before the commit never posts twice. Counts older than the asset's progress are late or
// replayed and decide nothing.
import {
  describeError,
  TransientError,
  type BatchContext,
  type BusRecord,
  type RecordBatch,
} from '@kiln/bus';
import { EventDecodeError, topics, type ProductionCountDelta } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import type { ErpStore, OrderProgress } from '@kiln/timeseries';
import type { OutboundSection } from './config';
import { decodeAlert, decodeCounts, RuleError, type DecodedAlert } from './decode';
import { finalConfirmationKey, notificationKey } from './keys';
import type { OutboundMetrics } from './metrics';
import { atLeast, finalConfirmation, maintenanceRequest, operationOn } from './requests';

export const OUTBOUND_INPUT_TOPICS = [topics.productionCount.name, topics.maintenanceAlert.name];

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

  async handle(batch: RecordBatch, context: BatchContext): Promise<void> {
    const counts = new Map<string, ProductionCountDelta[]>();
    const alerts: DecodedAlert[] = [];
    for (const record of batch.records) {
      try {
        if (record.topic === topics.productionCount.name) {
          const decoded = decodeCounts(record);
          counts.set(decoded.assetId, [...(counts.get(decoded.assetId) ?? []), ...decoded.deltas]);
        } else if (record.topic === topics.maintenanceAlert.name) {
          alerts.push(decodeAlert(record));
        }
      } catch (error) {
        if (!(error instanceof EventDecodeError) && !(error instanceof RuleError)) throw error;
        this.deadLetter(context, record, error);
      }
    }
    try {
      for (const [assetId, deltas] of counts) await this.countsOf(assetId, deltas);
      for (const alert of alerts) await this.alertOf(alert);
    } catch (error) {
      throw new TransientError(
        `deciding on ${batch.topic}[${batch.partition}] offsets ${batch.records[0]?.offset}..` +
          `${batch.records.at(-1)?.offset} failed: ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  private deadLetter(context: BatchContext, record: BusRecord, error: unknown): void {
    this.deps.logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, err: describeError(error) },
      'record dead-lettered',
    );
    context.deadLetter(record, error);
    this.deps.metrics.deadLettered();
  }

  /** Follows the asset's order through its counts, in time order; one transaction per asset and batch. */
  private async countsOf(assetId: string, deltas: readonly ProductionCountDelta[]): Promise<void> {
    const ordered = deltas.filter((delta) => delta.orderId !== '').sort((a, b) => a.timeUs - b.timeUs);
    if (ordered.length === 0) return;
    const decide =
      this.deps.section.confirmations.enabled && this.deps.section.confirmations.finalOnOrderChange;
    const inserted = await this.deps.store.transaction(async (tx) => {
      const stored = await tx.progressOf(assetId, true);
      let progress = stored;
      let decided = 0;
      for (const delta of ordered) {
        if (progress === undefined) {
          progress = { assetId, orderId: delta.orderId, firstUs: delta.timeUs, lastUs: delta.timeUs };
        } else if (delta.orderId === progress.orderId) {
          progress = {
            ...progress,
            firstUs: Math.min(progress.firstUs, delta.timeUs),
            lastUs: Math.max(progress.lastUs, delta.timeUs),
          };
        } else if (delta.timeUs > progress.lastUs) {
          if (decide && (await this.completeOrder(tx, progress))) decided++;
          // The new order's time starts where the previous one's last part was counted: the changeover between
          // them is the new order's setup time.
          progress = { assetId, orderId: delta.orderId, firstUs: progress.lastUs, lastUs: delta.timeUs };
        }
      }
      if (progress !== undefined && !sameProgress(progress, stored)) await tx.setProgress(progress);
      return decided;
    });
    for (let i = 0; i < inserted; i++) this.deps.metrics.decision('confirmation');
  }

  /** The final confirmation of the asset's previous order; false when nothing new was inserted. */
  private async completeOrder(tx: ErpStore, progress: OrderProgress): Promise<boolean> {
    const { assetId, orderId } = progress;
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
      this.deps.logger.warn({ assetId, orderId }, 'completed order unknown to the ERP: no confirmation');
      return false;
    }
    const totals = await tx.orderCounts(assetId, orderId);
    const startUs = Math.min(progress.firstUs, totals.firstUs ?? progress.firstUs);
    const endUs = Math.max(progress.lastUs, totals.lastUs ?? progress.lastUs);
    const idempotencyKey = finalConfirmationKey(orderId, operation.operationId, assetId);
    const confirmation = finalConfirmation({
      idempotencyKey,
      operation,
      totals,
      secondsByState: await tx.stateDurations(assetId, startUs, endUs),
      startUs,
      endUs,
    });
    const inserted = await tx.insertOutbox({
      id: idempotencyKey,
      kind: 'confirmation',
      kilnRef: `${orderId}/${operation.operationId}/${assetId}`,
      revision: 'final',
      payload: confirmation,
      createdUs: this.deps.now() * 1000,
    });
    if (inserted) {
      this.deps.logger.info(
        { assetId, orderId, operationId: operation.operationId, idempotencyKey, yield: totals.goodCount },
        'order complete on asset: final confirmation in the outbox',
      );
    }
    return inserted;
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

const sameProgress = (a: OrderProgress, b: OrderProgress | undefined): boolean =>
  b !== undefined && a.orderId === b.orderId && a.firstUs === b.firstUs && a.lastUs === b.lastUs;
