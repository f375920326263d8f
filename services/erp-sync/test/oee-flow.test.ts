// Orders and shift calendars from the ERP simulator (its REST face) flow through erp-sync to the OEE service, which
// computes the order's hours with the ideal cycle time of the ERP operation (standard value / reference quantity)
// and the ERP shift as planned time; when OEE closes the shift, erp-sync (confirmations.atShiftEnd) confirms the
// order running on the asset through the shift's end, back to the ERP.
import { InProcessBus } from '@kiln/bus';
import {
  encodeEvent,
  eventTopics,
  MachineState,
  OeeWindowKind,
  topics,
  type MachineStateEvent,
  type ProductionCountBatch,
} from '@kiln/contracts';
import { MemoryLiveOee, oeeSectionSchema } from '@kiln/oee-store';
import { OEE_SERVICE_TOPICS, startOee, type OeeService } from '@kiln/oee-service/testing';
import {
  createLogger,
  createMetricsRegistry,
  manualLifecycle,
  type ManualLifecycle,
} from '@kiln/service-kit';
import { ErpDataset, startErpSimulator, type ErpSimulatorHandle } from '@kiln/simulator';
import { waitUntil } from '@kiln/test-infra';
import { RestAdapter } from '../src/adapters/rest';
import { erpSyncSectionSchema } from '../src/config';
import { ERP_SYNC_TOPICS, startErpSync, type ErpSyncService } from '../src/erp-sync-service';
import { simulatorOrders, simulatorShifts } from './fixtures/simulator-rest-mapping';
import { testDatabase, type TestDatabase } from './outbound/support';

const ASSET = 'acme/plant-o/line-1/press-1';
const T0_MS = Date.UTC(2026, 10, 30, 6);
const HOUR_MS = 3_600_000;
const logger = createLogger({ service: 'erp-sync-test', level: 'silent' });
/** The OEE service's clock: three hours into the early shift, until a test moves it. */
let nowMs = T0_MS + 3 * HOUR_MS;

function books(): ErpDataset {
  const dataset = new ErpDataset(() => T0_MS);
  dataset.addWorkCenter({ id: 'PRESS1', plant: '1010', description: 'Press 1', assetId: ASSET });
  dataset.upsertOrder({
    orderId: '2000001',
    operationId: '0010',
    workCenter: 'PRESS1',
    material: 'FG-2001',
    materialDescription: 'Bracket',
    targetQuantity: 3000,
    unit: 'PC',
    // 150 s per 100 pieces: 1.5 s per piece.
    machineStandardValueS: 150,
    referenceQuantity: 100,
    status: 'REL',
    scheduledStartMs: T0_MS,
    scheduledEndMs: T0_MS + 2 * HOUR_MS,
    actualStartMs: T0_MS,
    actualEndMs: undefined,
    confirmedYield: 0,
    confirmedScrap: 0,
  });
  dataset.upsertShift({
    workCenter: 'PRESS1',
    shiftId: '2026-11-30/early',
    name: 'early',
    startMs: T0_MS,
    endMs: T0_MS + 8 * HOUR_MS,
    breaks: [{ startMs: T0_MS + 4 * HOUR_MS, endMs: T0_MS + 4.5 * HOUR_MS, reason: 'meal' }],
    cancelled: false,
  });
  return dataset;
}

describe('ERP orders and shifts reach OEE', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let erp: ErpSimulatorHandle;
  let lifecycle: ManualLifecycle;
  let erpSync: ErpSyncService;
  let oee: OeeService;

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'erp-sync-test', drainTimeoutMs: 1_000 });
    await bus.provision([...ERP_SYNC_TOPICS, ...OEE_SERVICE_TOPICS]);
    erp = await startErpSimulator({ dataset: books() });
    lifecycle = manualLifecycle();
    oee = await startOee(lifecycle, oeeSectionSchema.parse({ groupId: 'oee-test' }), {
      bus,
      logger,
      registry: createMetricsRegistry({ service: 'oee', processMetrics: false }),
      db: database.db,
      schema: database.schema,
      live: new MemoryLiveOee(),
      now: () => nowMs,
    });
    const section = erpSyncSectionSchema.parse({
      system: 'rest',
      rest: {
        ordersUrl: `${erp.url}/api/erp/orders`,
        shiftsUrl: `${erp.url}/api/erp/shifts`,
        confirmationsUrl: `${erp.url}/api/erp/confirmations`,
        auth: { type: 'basic', username: 'KILN_RFC', password: 'kiln-secret' },
        orders: simulatorOrders,
        shifts: simulatorShifts,
      },
      workCenters: { PRESS1: ASSET },
      inbound: { intervalMs: 3_600_000 },
      outbound: { confirmations: { atShiftEnd: true }, sender: { pollIntervalMs: 200 } },
    });
    erpSync = await startErpSync(lifecycle, section, {
      bus,
      logger,
      registry: createMetricsRegistry({ service: 'erp-sync', processMetrics: false }),
      db: database.db,
      schema: database.schema,
      adapter: new RestAdapter(section.rest ?? { ordersUrl: erp.url }),
    });
  });

  afterAll(async () => {
    await lifecycle.stopAll();
    await bus.close();
    await erp.close();
    await database.drop();
  });

  it('computes the order hours with the ERP ideal cycle time inside the ERP shift', async () => {
    const reports = await erpSync.inbound.syncNow();
    expect(reports.map((r) => [r.kind, r.published, r.problems.length])).toEqual([
      ['order', 1, 0],
      ['shift', 1, 0],
    ]);
    await waitUntil(
      async () => {
        const { rows } = await database.db.query<{ orders: string; shifts: string }>(
          `SELECT (SELECT count(*) FROM "${database.schema}".production_orders WHERE ideal_cycle_time_s = 1.5)::text AS orders,
                  (SELECT count(*) FROM "${database.schema}".shifts)::text AS shifts`,
        );
        return rows[0]?.orders === '1' && rows[0].shifts === '1';
      },
      { timeoutMs: 10_000, what: 'the order and the shift stored by the OEE service' },
    );

    // The first hour: running throughout, 1,200 parts (20 a minute) of the order, 12 of them scrap.
    const states: MachineStateEvent[] = [
      {
        assetId: ASSET,
        event: {
          $case: 'change',
          value: {
            state: MachineState.MACHINE_STATE_RUNNING,
            startTimeUs: T0_MS * 1000,
            reasonCode: '',
            reasonText: '',
            sourceCode: '',
          },
        },
      },
    ];
    const counts: ProductionCountBatch = {
      assetId: ASSET,
      deltas: Array.from({ length: 60 }, (_, minute) => ({
        timeUs: (T0_MS + (minute + 1) * 60_000 - 1_000) * 1000,
        totalCount: 20,
        goodCount: minute % 5 === 0 ? 19 : 20,
        scrapCount: minute % 5 === 0 ? 1 : 0,
        orderId: '2000001',
      })),
    };
    await bus.publish(
      topics.machineState.name,
      states.map((s) => encodeEvent(eventTopics.machineState, s)),
    );
    await bus.publish(topics.productionCount.name, [encodeEvent(eventTopics.productionCount, counts)]);

    const firstHour = async () =>
      (await oee.store.results(ASSET)).find(
        (r) => r.windowKind === OeeWindowKind.OEE_WINDOW_KIND_HOUR && r.windowStartUs === T0_MS * 1000,
      );
    await waitUntil(async () => (await firstHour())?.totalCount === 1200, {
      timeoutMs: 15_000,
      what: 'the first hour computed with its 1,200 parts',
    });
    const hour = await firstHour();
    expect(hour?.plannedBusyTimeS).toBeCloseTo(3600, 6);
    expect(hour?.availability).toBeCloseTo(1, 9);
    // ISO 22400-2: performance = ideal cycle time x total count / APT = 1.5 s x 1,200 / 3,600 s.
    expect(hour?.performance).toBeCloseTo(0.5, 9);
    expect(hour?.quality).toBeCloseTo(1188 / 1200, 9);
  });

  it('confirms the running order through the end of the shift when OEE closes the shift', async () => {
    // erp-sync follows the order through the counts of the first hour; nothing is confirmed while the shift runs.
    await waitUntil(
      async () => (await erpSync.store.progressOf(ASSET))?.lastUs === (T0_MS + HOUR_MS - 1_000) * 1000,
      { timeoutMs: 10_000, what: 'the order followed by erp-sync through its counts' },
    );
    expect(await erpSync.store.listOutbox(10)).toEqual([]);

    // A minute after the shift's end, OEE closes it (and its hours) and publishes the results.
    nowMs = T0_MS + 8 * HOUR_MS + 60_000;
    expect(await oee.closeDueWindows()).toBeGreaterThan(0);
    await waitUntil(() => erp.dataset.confirmations.length > 0, {
      timeoutMs: 15_000,
      what: 'a confirmation received by the ERP',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(erp.dataset.confirmations).toHaveLength(1);
    expect(erp.dataset.confirmations[0]).toMatchObject({
      orderId: '2000001',
      operationId: '0010',
      yieldQuantity: 1188,
      scrapQuantity: 12,
      final: false,
      // Running from the first part (59 s in) to the shift's end.
      machineTimeS: 8 * 3600 - 59,
      setupTimeS: 0,
      downTimeS: 0,
      via: 'rest',
    });
    const [row] = await erpSync.store.listOutbox(10);
    expect(row).toMatchObject({ status: 'sent', revision: 'partial/2026-11-30T14:00:00.000Z' });
    expect(await erpSync.store.progressOf(ASSET)).toMatchObject({
      orderId: '2000001',
      confirmedThroughUs: (T0_MS + 8 * HOUR_MS) * 1000,
    });
  });
});
