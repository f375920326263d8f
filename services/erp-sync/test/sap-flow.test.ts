// erp-sync against the ERP simulator's SAP face over HTTP, end to end: orders flow in and are published, a completed
// order makes exactly one confirmation with the counted quantities, an opened alert exactly one maintenance
// notification — also when the ERP answers 503 or hangs for a while, when an answer is lost, when the same events
// are delivered twice, and when erp-sync is stopped between deciding and sending.
import { InProcessBus, type BusRecord } from '@kiln/bus';
import {
  AlertSeverity,
  AlertStatus,
  decodeEvent,
  encodeEvent,
  eventTopics,
  MachineState,
  OrderStatus,
  topics,
  type MachineStateEvent,
  type MaintenanceAlert,
  type ProductionCountBatch,
} from '@kiln/contracts';
import {
  createLogger,
  createMetricsRegistry,
  manualLifecycle,
  type ManualLifecycle,
} from '@kiln/service-kit';
import { ErpDataset, startErpSimulator, type ErpSimulatorHandle } from '@kiln/simulator';
import { waitUntil } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import { SapAdapter } from '../src/adapters/sap';
import { erpSyncSectionSchema } from '../src/config';
import { ERP_SYNC_TOPICS, startErpSync, type ErpSyncService } from '../src/erp-sync-service';
import { testDatabase, type TestDatabase } from './outbound/support';

const ASSET = 'acme/plant-e/line-1/press-1';
const WORK_CENTER = 'PRESS1';
const T0_MS = Date.UTC(2026, 10, 30, 6);
const MIN_US = 60_000_000;
const T0_US = T0_MS * 1000;

function books(now: () => number): ErpDataset {
  const dataset = new ErpDataset(now);
  dataset.addWorkCenter({ id: WORK_CENTER, plant: '1010', description: 'Press 1', assetId: ASSET });
  for (const [orderId, status] of [
    ['1000001', 'REL'],
    ['1000002', 'REL'],
    ['1000003', 'REL'],
  ] as const) {
    dataset.upsertOrder({
      orderId,
      operationId: '0010',
      workCenter: WORK_CENTER,
      material: 'FG-1001',
      materialDescription: 'Housing',
      targetQuantity: 500,
      unit: 'PC',
      machineStandardValueS: 150,
      referenceQuantity: 100,
      status,
      scheduledStartMs: T0_MS,
      scheduledEndMs: T0_MS + 3_600_000,
      actualStartMs: undefined,
      actualEndMs: undefined,
      confirmedYield: 0,
      confirmedScrap: 0,
      changedMs: T0_MS - 60_000,
    });
  }
  return dataset;
}

describe('erp-sync with the SAP simulator', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let erp: ErpSimulatorHandle;
  let lifecycle: ManualLifecycle;
  let service: ErpSyncService;
  const orders: BusRecord[] = [];

  const start = async (senderPollMs = 50): Promise<void> => {
    lifecycle = manualLifecycle();
    const section = erpSyncSectionSchema.parse({
      system: 'sap',
      sap: {
        baseUrl: erp.url,
        auth: { type: 'basic', username: 'KILN_RFC', password: 'kiln-secret' },
        timeoutMs: 1_000,
      },
      workCenters: { [WORK_CENTER]: ASSET },
      inbound: { intervalMs: 3_600_000 },
      outbound: {
        sender: { pollIntervalMs: senderPollMs, timeoutMs: 1_000, initialDelayMs: 10, maxDelayMs: 100 },
        notifications: { minSeverity: 'warning' },
      },
    });
    service = await startErpSync(lifecycle, section, {
      bus,
      logger: createLogger({ service: 'erp-sync-test', level: 'silent' }),
      registry: createMetricsRegistry({ service: 'erp-sync', processMetrics: false }),
      db: database.db,
      schema: database.schema,
      adapter: new SapAdapter(
        section.sap ?? { baseUrl: erp.url, auth: { type: 'basic', username: 'x', password: 'y' } },
      ),
    });
  };

  /** What normalization does: store the rows, then publish the events. */
  const produce = async (states: MachineStateEvent[], counts: ProductionCountBatch[]): Promise<void> => {
    const writer = new HistorianWriter(database.db, { schema: database.schema });
    await writer.writeMachineStateEvents(states);
    await writer.writeProductionCountBatches(counts);
    await bus.publish(
      topics.machineState.name,
      states.map((s) => encodeEvent(eventTopics.machineState, s)),
    );
    await bus.publish(
      topics.productionCount.name,
      counts.map((c) => encodeEvent(eventTopics.productionCount, c)),
    );
  };
  const state = (minute: number, value: MachineState): MachineStateEvent => ({
    assetId: ASSET,
    event: {
      $case: 'change',
      value: {
        state: value,
        startTimeUs: T0_US + minute * MIN_US,
        reasonCode: '',
        reasonText: '',
        sourceCode: '',
      },
    },
  });
  const counts = (
    orderId: string,
    fromMinute: number,
    minutes: number,
    good: number,
    scrap: number,
  ): ProductionCountBatch => ({
    assetId: ASSET,
    deltas: Array.from({ length: minutes }, (_, i) => ({
      timeUs: T0_US + (fromMinute + i) * MIN_US,
      totalCount: good + scrap,
      goodCount: good,
      scrapCount: scrap,
      orderId,
    })),
  });
  const alert = (alertId: string, severity: AlertSeverity): MaintenanceAlert => ({
    alertId,
    assetId: ASSET,
    cause: 'condition-degradation',
    signal: 'vibration',
    severity,
    status: AlertStatus.ALERT_STATUS_OPEN,
    message: 'condition degradation: vibration 7.4 mm/s (zone D)',
    openedTimeUs: T0_US,
    updatedTimeUs: T0_US,
    resolvedTimeUs: 0,
    healthIndex: 22,
    rul: { estimateH: 30, lowerH: 20, upperH: 45 },
    actor: '',
    details: {},
  });

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'erp-sync-test', drainTimeoutMs: 1_000 });
    // machine states too: the test plays normalization, which publishes them.
    await bus.provision([...ERP_SYNC_TOPICS, topics.machineState]);
    await bus.subscribe({
      groupId: 'order-watch',
      topics: [topics.erpOrder.name],
      handler: async (batch) => void orders.push(...batch.records),
    });
    erp = await startErpSimulator({ dataset: books(Date.now) });
    await start();
  });

  afterAll(async () => {
    await lifecycle.stopAll();
    await bus.close();
    await erp.close();
    await database.drop();
  });

  it('reads the open orders and publishes them keyed by asset, with the ideal cycle time of the operation', async () => {
    const reports = await service.inbound.syncNow();
    expect(reports.map((report) => [report.kind, report.published, report.problems])).toEqual([
      ['order', 3, []],
    ]);
    await waitUntil(() => orders.length === 3, {
      timeoutMs: 5_000,
      what: 'three orders on kiln.erp.order.v1',
    });
    const events = orders.map((record) => decodeEvent(eventTopics.erpOrder, record.value, record.headers));
    expect(orders.map((record) => record.key)).toEqual([ASSET, ASSET, ASSET]);
    expect(
      events.map((event) => [event.orderId, event.operationId, event.idealCycleTimeS, event.status]),
    ).toEqual([
      ['1000001', '0010', 1.5, OrderStatus.ORDER_STATUS_RELEASED],
      ['1000002', '0010', 1.5, OrderStatus.ORDER_STATUS_RELEASED],
      ['1000003', '0010', 1.5, OrderStatus.ORDER_STATUS_RELEASED],
    ]);
    expect((await service.store.orderOf('1000001'))[0]).toMatchObject({
      assetId: ASSET,
      workCenter: WORK_CENTER,
    });
    // A delta read after nothing changed publishes nothing.
    expect((await service.inbound.syncNow())[0]?.published).toBe(0);
  });

  it('confirms a completed order exactly once with the counted quantities and activity times, through a 503 spell', async () => {
    erp.faults.set({ kind: 'status', status: 503, remaining: 4 });
    await produce(
      [
        state(0, MachineState.MACHINE_STATE_CHANGEOVER),
        state(10, MachineState.MACHINE_STATE_RUNNING),
        state(40, MachineState.MACHINE_STATE_BREAKDOWN),
        state(45, MachineState.MACHINE_STATE_RUNNING),
      ],
      [counts('1000001', 10, 50, 9, 1)],
    );
    await produce([], [counts('1000002', 60, 1, 10, 0)]);
    await waitUntil(() => erp.dataset.confirmations.length > 0, {
      timeoutMs: 20_000,
      what: 'the confirmation in the ERP',
    });
    // The same events again (at-least-once delivery): nothing new is decided or sent.
    await produce([], [counts('1000001', 10, 50, 9, 1), counts('1000002', 60, 1, 10, 0)]);
    await service.outbound.flush();
    expect(erp.dataset.confirmations).toHaveLength(1);
    expect(erp.dataset.confirmations[0]).toMatchObject({
      orderId: '1000001',
      operationId: '0010',
      yieldQuantity: 450,
      scrapQuantity: 50,
      final: true,
      // From the first part to the last: running 10-40 and 45-59 min, a breakdown 40-45 (the changeover before
      // the first order's first part is not known to belong to it).
      machineTimeS: 44 * 60,
      setupTimeS: 0,
      downTimeS: 5 * 60,
    });
    const [entry] = await database.store.listOutbox(10);
    expect(entry).toMatchObject({ status: 'sent', attempts: expect.any(Number) as number });
    expect(entry?.attempts).toBeGreaterThan(1);
    expect(await database.store.linkOfKiln('confirmation', entry?.kilnRef ?? '', 'sap')).toBeDefined();
  });

  it('notifies an opened alert exactly once, also when the answer to the create is lost', async () => {
    erp.faults.set({ kind: 'drop-response', remaining: 1 });
    const opened = alert('alert-bearing-1', AlertSeverity.ALERT_SEVERITY_CRITICAL);
    await bus.publish(topics.maintenanceAlert.name, [encodeEvent(eventTopics.maintenanceAlert, opened)]);
    await bus.publish(topics.maintenanceAlert.name, [encodeEvent(eventTopics.maintenanceAlert, opened)]);
    // Below the configured minimum severity: no notification.
    const minor = alert('alert-minor-1', AlertSeverity.ALERT_SEVERITY_INFO);
    await bus.publish(topics.maintenanceAlert.name, [encodeEvent(eventTopics.maintenanceAlert, minor)]);
    await waitUntil(
      async () =>
        (await database.store.listOutbox(10, 'sent')).some((entry) => entry.kind === 'notification'),
      { timeoutMs: 20_000, what: 'the notification sent' },
    );
    expect(erp.dataset.notifications).toHaveLength(1);
    expect(erp.dataset.notifications[0]).toMatchObject({ workCenter: WORK_CENTER, priority: 1 });
    expect(erp.dataset.notifications[0]?.longText).toContain('alert-bearing-1');
  });

  it('sends a decision once when erp-sync is stopped between deciding and sending, and the ERP hangs meanwhile', async () => {
    await lifecycle.stopAll();
    await start(3_600_000); // decides, but its sender does not run before it is stopped
    await produce([], [counts('1000003', 70, 5, 10, 0)]); // 1000002 completes
    await waitUntil(async () => (await database.store.outboxCounts()).pending === 1, {
      timeoutMs: 10_000,
      what: 'the decision in the outbox',
    });
    await lifecycle.stopAll();
    erp.faults.set({ kind: 'hang', delayMs: 1_500, remaining: 2 });
    await start();
    await waitUntil(async () => (await database.store.outboxCounts()).sent === 3, {
      timeoutMs: 30_000,
      what: 'the pending confirmation sent after the restart',
    });
    expect(erp.dataset.confirmations.map((c) => c.orderId)).toEqual(['1000001', '1000002']);
  });

  it('records a confirmation the ERP refuses (order closed meanwhile) as a visible failure, not a loop', async () => {
    const order = erp.dataset.orders.get('1000003');
    if (order === undefined) throw new Error('order 1000003 is not in the ERP');
    order.status = 'TECO';
    await produce([], [counts('1000004', 80, 1, 10, 0)]); // 1000003 completes, but it is closed in the ERP
    await waitUntil(async () => (await database.store.outboxCounts()).failed === 1, {
      timeoutMs: 20_000,
      what: 'the refused confirmation recorded as failed',
    });
    expect(erp.dataset.confirmations.map((c) => c.orderId)).toEqual(['1000001', '1000002']);
    const problems = await database.store.listProblems(10, 'confirmation');
    expect(problems.map((p) => p.problem).join(' ')).toMatch(/TECO/);
  });
});
