// Inbound sync: changed orders and shift calendars read from the ERP (delta reads from the last cursor), joined to
// assets through the work-center map, published to kiln.erp.order.v1 / kiln.erp.shift.v1 and stored; the cursor
// moves only after both, so a crash re-reads (and re-publishes: consumers upsert) rather than loses. A record the
// ERP got wrong, or whose work center is not mapped, is reported with its id and skipped; the rest flows.
import type { EventBus } from '@kiln/bus';
import { encodeEvent, eventTopics } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import type { ErpAdapter, ErpOrder, ErpShift, ReadResult, RecordProblem } from '../adapters/types';
import type { WorkCenterMap } from '../work-centers';
import { orderEvent, shiftEvent } from './events';

export type SyncKind = 'order' | 'shift';

/** What inbound sync keeps in the database (implemented over ErpStore). */
export interface InboundStore {
  cursor(key: string): Promise<string | undefined>;
  setCursor(key: string, cursor: string): Promise<void>;
  upsertOrders(erpSystem: string, orders: readonly { order: ErpOrder; assetId: string }[]): Promise<void>;
  recordProblems(erpSystem: string, kind: SyncKind, problems: readonly RecordProblem[]): Promise<void>;
}

export interface SyncReport {
  readonly kind: SyncKind;
  readonly read: number;
  readonly published: number;
  readonly problems: readonly RecordProblem[];
}

export interface InboundMetrics {
  synced(kind: SyncKind, published: number, problems: number): void;
}

export interface InboundDependencies {
  readonly adapter: ErpAdapter;
  readonly store: InboundStore;
  readonly bus: EventBus;
  readonly workCenters: WorkCenterMap;
  readonly logger: Logger;
  readonly metrics: InboundMetrics;
}

export class InboundSync {
  private running: Promise<SyncReport[]> | undefined;

  constructor(private readonly deps: InboundDependencies) {}

  /** One sync of orders and (where the ERP has them) shifts; a call while one runs joins it. */
  syncNow(): Promise<SyncReport[]> {
    this.running ??= this.syncAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async syncAll(): Promise<SyncReport[]> {
    const { adapter } = this.deps;
    const reports = [await this.sync('order', (since) => adapter.readOrders(since))];
    if (adapter.readShifts !== undefined) {
      const readShifts = adapter.readShifts.bind(adapter);
      reports.push(await this.sync('shift', (since) => readShifts(since)));
    }
    return reports;
  }

  /** Records pushed by the ERP (webhook) rather than read: published and stored the same way. */
  async accept(kind: SyncKind, result: ReadResult<ErpOrder> | ReadResult<ErpShift>): Promise<SyncReport> {
    return kind === 'order'
      ? this.publish('order', result as ReadResult<ErpOrder>, undefined)
      : this.publish('shift', result as ReadResult<ErpShift>, undefined);
  }

  private async sync<T extends ErpOrder | ErpShift>(
    kind: SyncKind,
    read: (since: string | undefined) => Promise<ReadResult<T>>,
  ): Promise<SyncReport> {
    const key = `${this.deps.adapter.system}:${kind}`;
    const since = await this.deps.store.cursor(key);
    const result = await read(since);
    return this.publish(kind, result as ReadResult<ErpOrder> & ReadResult<ErpShift>, key);
  }

  private async publish(
    kind: SyncKind,
    result: ReadResult<ErpOrder> | ReadResult<ErpShift>,
    cursorKey: string | undefined,
  ): Promise<SyncReport> {
    const { adapter, bus, store, workCenters, logger, metrics } = this.deps;
    const system = adapter.system;
    const problems: RecordProblem[] = [...result.problems];
    const joined: { record: ErpOrder | ErpShift; assetId: string }[] = [];
    for (const record of result.records) {
      const assetId = workCenters.assetOf(record.workCenter);
      const recordId = 'orderId' in record ? record.orderId : `${record.workCenter}/${record.shiftId}`;
      if (assetId === undefined) {
        problems.push({ recordId, problem: `work center "${record.workCenter}" is not mapped to an asset` });
      } else {
        joined.push({ record, assetId });
      }
    }
    if (kind === 'order') {
      const orders = joined as { record: ErpOrder; assetId: string }[];
      if (orders.length > 0) {
        await bus.publish(
          eventTopics.erpOrder.topic.name,
          orders.map(({ record, assetId }) =>
            encodeEvent(eventTopics.erpOrder, orderEvent(record, assetId, system)),
          ),
        );
        await store.upsertOrders(
          system,
          orders.map(({ record, assetId }) => ({ order: record, assetId })),
        );
      }
    } else {
      const shifts = joined as { record: ErpShift; assetId: string }[];
      if (shifts.length > 0) {
        await bus.publish(
          eventTopics.erpShift.topic.name,
          shifts.map(({ record, assetId }) =>
            encodeEvent(eventTopics.erpShift, shiftEvent(record, assetId, system)),
          ),
        );
      }
    }
    if (problems.length > 0) {
      await store.recordProblems(system, kind, problems);
      for (const problem of problems) {
        logger.warn(
          { erpSystem: system, kind, recordId: problem.recordId },
          `ERP ${kind} skipped: ${problem.problem}`,
        );
      }
    }
    if (cursorKey !== undefined && result.cursor !== undefined)
      await store.setCursor(cursorKey, result.cursor);
    metrics.synced(kind, joined.length, problems.length);
    return { kind, read: result.records.length + result.problems.length, published: joined.length, problems };
  }
}
