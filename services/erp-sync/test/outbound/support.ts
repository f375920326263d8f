// What the outbound tests share: a migrated PostgreSQL schema of their own, the in-process bus, an ERP adapter that
// records calls and fails on demand, the service started as a composition root would, and event builders.
import { InProcessBus, type BusRecord, type EventBus } from '@kiln/bus';
import {
  AlertSeverity,
  AlertStatus,
  encodeEvent,
  eventTopics,
  OeeResult,
  OeeWindowKind,
  topics,
  type MaintenanceAlert,
  type ProductionCountDelta,
} from '@kiln/contracts';
import {
  createLogger,
  createMetricsRegistry,
  manualLifecycle,
  type ManualLifecycle,
  type Registry,
} from '@kiln/service-kit';
import { serviceEndpoints } from '@kiln/test-infra';
import { ErpStore, type ErpOrderRecord } from '@kiln/timeseries';
import { createScratchSchema, type ScratchSchema } from '@kiln/timeseries/testing';
import {
  ErpRejectedError,
  ErpUnavailableError,
  type ErpAdapter,
  type MaintenanceRequest,
  type OrderConfirmation,
  type PostResult,
} from '../../src/adapters/types';
import { OUTBOUND_TOPICS, outboundSectionSchema, startOutbound, type Outbound } from '../../src/outbound';

export interface TestDatabase extends ScratchSchema {
  readonly store: ErpStore;
}

export async function testDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchSchema({
    connectionString: serviceEndpoints().postgresUrl,
    prefix: 't_erp',
    maxConnections: 6,
  });
  return { ...scratch, store: new ErpStore(scratch.db, scratch.schema) };
}

export async function testBus(dead: BusRecord[]): Promise<InProcessBus> {
  const bus = new InProcessBus({ service: 'erp-sync-test', drainTimeoutMs: 1_000 });
  await bus.provision(OUTBOUND_TOPICS);
  await bus.subscribe({
    groupId: 'dlq-watch',
    topics: [topics.dlq.name],
    handler: async (batch) => void dead.push(...batch.records),
  });
  return bus;
}

type Posted =
  { kind: 'confirmation'; body: OrderConfirmation } | { kind: 'notification'; body: MaintenanceRequest };

/** An ERP that keeps what it is sent by idempotency key; it can be unavailable for a number of calls or refuse. */
export class RecordingErp implements ErpAdapter {
  readonly system = 'test-erp';
  /** Every call, in order, whatever its outcome. */
  readonly calls: { kind: string; key: string }[] = [];
  /** What was created (one entry per key). */
  readonly created: Posted[] = [];
  unavailableCalls = 0;
  rejectWith: ErpRejectedError | undefined;
  delayMs = 0;
  private readonly refs = new Map<string, string>();

  async readOrders() {
    return { records: [], problems: [], cursor: undefined };
  }

  postConfirmation(body: OrderConfirmation): Promise<PostResult> {
    return this.post({ kind: 'confirmation', body });
  }

  createMaintenanceRequest(body: MaintenanceRequest): Promise<PostResult> {
    return this.post({ kind: 'notification', body });
  }

  callsOf(key: string): number {
    return this.calls.filter((call) => call.key === key).length;
  }

  private async post(posted: Posted): Promise<PostResult> {
    const key = posted.body.idempotencyKey;
    this.calls.push({ kind: posted.kind, key });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.unavailableCalls > 0) {
      this.unavailableCalls--;
      throw new ErpUnavailableError('503 Service Unavailable');
    }
    if (this.rejectWith !== undefined) throw this.rejectWith;
    const known = this.refs.get(key);
    if (known !== undefined) return { erpRef: known, existing: true };
    const erpRef = String(10_000 + this.refs.size);
    this.refs.set(key, erpRef);
    this.created.push(posted);
    return { erpRef, existing: false };
  }
}

export interface RunningOutbound {
  readonly outbound: Outbound;
  readonly lifecycle: ManualLifecycle;
  readonly registry: Registry;
}

export async function startService(options: {
  bus: EventBus;
  database: TestDatabase;
  adapter: ErpAdapter;
  now?: () => number;
  section?: Record<string, unknown>;
  workCenterOf?: (assetId: string) => string | undefined;
}): Promise<RunningOutbound> {
  const lifecycle = manualLifecycle();
  const registry = createMetricsRegistry({ service: 'erp-sync', processMetrics: false });
  const level = process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent';
  const outbound = await startOutbound(
    lifecycle,
    outboundSectionSchema.parse({
      groupId: 'erp-sync-test',
      // The tests flush themselves; the poll timer stays out of their way.
      sender: { pollIntervalMs: 3_600_000 },
      ...options.section,
    }),
    {
      bus: options.bus,
      db: options.database.db,
      schema: options.database.schema,
      logger: createLogger({ service: 'erp-sync-test', level }),
      registry,
      adapter: options.adapter,
      workCenterOf: options.workCenterOf ?? (() => 'WC-PRESS'),
      ...(options.now === undefined ? {} : { now: options.now }),
    },
  );
  return { outbound, lifecycle, registry };
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  return (await metric.get()).values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

export interface OutboundSuite {
  readonly database: TestDatabase;
  readonly bus: InProcessBus;
  readonly service: RunningOutbound;
  /** Stops the service and the bus and drops the schema. */
  stop(): Promise<void>;
}

/**
 * A suite's outbound service on a schema and an in-process bus of its own (dead letters into `dead`), knowing the
 * given ERP orders as the inbound sync would have stored them.
 */
export async function startOutboundSuite(options: {
  adapter: ErpAdapter;
  dead: BusRecord[];
  section?: Record<string, unknown>;
  workCenterOf?: (assetId: string) => string | undefined;
  orders?: readonly ErpOrderRecord[];
}): Promise<OutboundSuite> {
  const database = await testDatabase();
  const bus = await testBus(options.dead);
  const service = await startService({
    bus,
    database,
    adapter: options.adapter,
    ...(options.section === undefined ? {} : { section: options.section }),
    ...(options.workCenterOf === undefined ? {} : { workCenterOf: options.workCenterOf }),
  });
  if (options.orders !== undefined) await database.store.upsertOrders('test-erp', options.orders);
  return {
    database,
    bus,
    service,
    stop: async () => {
      await service.lifecycle.stopAll();
      await bus.close();
      await database.drop();
    },
  };
}

/** A count as the tests write it: time, good and scrap parts, order. */
export type CountRow = readonly [timeUs: number, good: number, scrap: number, orderId: string];

/** Stores counts as the historian would have before publishing them. */
export async function storeCounts(database: TestDatabase, assetId: string, rows: readonly CountRow[]) {
  for (const [timeUs, good, scrap, orderId] of rows) {
    await database.db.query(
      `INSERT INTO "${database.schema}".production_counts
         (asset_id, time, total_count, good_count, scrap_count, order_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [assetId, new Date(timeUs / 1000).toISOString(), good + scrap, good, scrap, orderId],
    );
  }
}

/** Stores the machine states that begin at the given times, as normalization would have. */
export async function storeStates(
  database: TestDatabase,
  assetId: string,
  rows: readonly (readonly [timeUs: number, state: string])[],
) {
  for (const [timeUs, state] of rows) {
    await database.db.query(
      `INSERT INTO "${database.schema}".machine_states (asset_id, time, state) VALUES ($1, $2, $3)`,
      [assetId, new Date(timeUs / 1000).toISOString(), state],
    );
  }
}

/** One count event per row, as normalization publishes them. */
export function countEvents(assetId: string, rows: readonly CountRow[]) {
  return rows.map(([timeUs, goodCount, scrapCount, orderId]) =>
    countsEvent(assetId, [{ timeUs, goodCount, scrapCount, totalCount: goodCount + scrapCount, orderId }]),
  );
}

export function countsEvent(assetId: string, deltas: readonly Partial<ProductionCountDelta>[]) {
  return encodeEvent(eventTopics.productionCount, {
    assetId,
    deltas: deltas.map((delta) => ({
      timeUs: 0,
      totalCount: 0,
      goodCount: 0,
      scrapCount: 0,
      orderId: '',
      ...delta,
    })),
  });
}

/** The OEE result of a closed window of an asset (a shift by default), as the OEE service publishes it. */
export function oeeResultEvent(
  assetId: string,
  window: { startUs: number; endUs: number; ref: string; kind?: OeeWindowKind; revision?: number },
) {
  return encodeEvent(
    eventTopics.oee,
    OeeResult.fromPartial({
      assetId,
      windowKind: window.kind ?? OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      windowStartUs: window.startUs,
      windowEndUs: window.endUs,
      windowRef: window.ref,
      revision: window.revision ?? 1,
      computedTimeUs: window.endUs,
    }),
  );
}

export function alertEvent(alertId: string, overrides: Partial<MaintenanceAlert> = {}) {
  return encodeEvent(eventTopics.maintenanceAlert, {
    alertId,
    assetId: 'acme/plant-1/pressing/line-2/press-04',
    cause: 'vibration-zone-c',
    signal: 'vibration_velocity_rms',
    severity: AlertSeverity.ALERT_SEVERITY_WARNING,
    status: AlertStatus.ALERT_STATUS_OPEN,
    message: 'Vibration velocity 7.2 mm/s is in ISO 10816-3 zone C',
    openedTimeUs: Date.UTC(2026, 11, 1, 8) * 1000,
    updatedTimeUs: Date.UTC(2026, 11, 1, 8) * 1000,
    resolvedTimeUs: 0,
    healthIndex: 61.5,
    rul: { estimateH: 120, lowerH: 80, upperH: 200 },
    actor: '',
    details: { zone: 'C' },
    ...overrides,
  });
}

export { ErpRejectedError };

/** Order A-100, operation 0010 on work center WC-PRESS, released, as the inbound sync would have stored it. */
export function releasedOrder(scheduledStartUs: number, scheduledEndUs: number): ErpOrderRecord {
  return {
    orderId: 'A-100',
    operationId: '0010',
    workCenter: 'WC-PRESS',
    material: 'M-1',
    materialDescription: 'Bracket',
    targetQuantity: 100,
    quantityUnit: 'PC',
    idealCycleTimeS: 2,
    status: 'released',
    scheduledStartUs,
    scheduledEndUs,
    actualStartUs: 0,
    actualEndUs: 0,
    changedTimeUs: scheduledStartUs,
  };
}
