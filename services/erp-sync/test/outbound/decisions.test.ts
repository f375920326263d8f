// The outbound decisions over the in-process bus and a real PostgreSQL: an order that gives way to the next one on
// its asset becomes exactly one final confirmation with the quantities and activity times the database holds, an
// open alert becomes exactly one maintenance notification, replays insert nothing, and poison records go to the
// dead-letter topic without stopping the consumer.
import type { BusRecord, InProcessBus } from '@kiln/bus';
import { AlertSeverity, AlertStatus, dlqHeaderNames, topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MaintenanceStore } from '@kiln/timeseries';
import { finalConfirmationKey, notificationKey } from '../../src/outbound';
import {
  alertEvent,
  countsEvent,
  RecordingErp,
  startOutboundSuite,
  storeCounts,
  storeStates,
  type CountRow,
  type OutboundSuite,
  type RunningOutbound,
  type TestDatabase,
  releasedOrder,
} from './support';

const PRESS = 'acme/plant-1/pressing/line-2/press-04';
const LATHE = 'acme/plant-1/machining/line-1/lathe-01';
const ORPHAN = 'acme/plant-1/unmapped/line-1/robot-01';
const T0 = Date.UTC(2026, 11, 1, 6) * 1000;
const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;

describeWith(['postgres'], 'outbound decisions', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let service: RunningOutbound;
  let suite: OutboundSuite;
  const erp = new RecordingErp();
  const dead: BusRecord[] = [];

  beforeAll(async () => {
    suite = await startOutboundSuite({
      adapter: erp,
      dead,
      workCenterOf: (assetId) => (assetId === ORPHAN ? undefined : 'WC-PRESS'),
      orders: [releasedOrder(T0, T0 + 60 * MINUTE)],
    });
    ({ database, bus, service } = suite);
  });

  afterAll(() => suite.stop());

  const progressAt = async (assetId: string, lastUs: number) =>
    (await database.store.progressOf(assetId))?.lastUs === lastUs;
  const outboxRows = async () => database.store.listOutbox(100);

  it('posts one final confirmation of an order with the quantities and times in the database, replays or not', async () => {
    const counts: CountRow[] = [
      [T0 + 1 * MINUTE, 20, 1, 'A-100'],
      [T0 + 2 * MINUTE, 25, 0, 'A-100'],
      [T0 + 10 * MINUTE, 30, 4, 'A-100'],
      [T0 + 12 * MINUTE, 5, 0, 'B-200'],
    ];
    await storeCounts(database, PRESS, counts);
    // Span of A-100: 1 min .. 10 min. Changeover until 1.5 min (setup 30 s), breakdown 4-5 min and unknown stop
    // 5-6 min (down 120 s), planned stop 6-7 min (none of the three), running otherwise (150 + 180 = 330 s).
    await storeStates(database, PRESS, [
      [T0, 'CHANGEOVER'],
      [T0 + 90 * SECOND, 'RUNNING'],
      [T0 + 4 * MINUTE, 'BREAKDOWN'],
      [T0 + 5 * MINUTE, 'UNKNOWN_STOP'],
      [T0 + 6 * MINUTE, 'PLANNED_STOP'],
      [T0 + 7 * MINUTE, 'RUNNING'],
      [T0 + 11 * MINUTE, 'CHANGEOVER'],
    ]);
    const events = [
      countsEvent(
        PRESS,
        counts.slice(0, 2).map(([timeUs, goodCount, scrapCount, orderId]) => ({
          timeUs,
          goodCount,
          scrapCount,
          totalCount: goodCount + scrapCount,
          orderId,
        })),
      ),
      countsEvent(
        PRESS,
        counts.slice(2).map(([timeUs, goodCount, scrapCount, orderId]) => ({
          timeUs,
          goodCount,
          scrapCount,
          totalCount: goodCount + scrapCount,
          orderId,
        })),
      ),
    ];
    await bus.publish(topics.productionCount.name, events);
    await waitUntil(() => progressAt(PRESS, T0 + 12 * MINUTE), {
      timeoutMs: 10_000,
      what: 'B-200 to be current',
    });
    // The same events again, then one more count of B-200 to know the replay went through.
    await bus.publish(topics.productionCount.name, events);
    await bus.publish(topics.productionCount.name, [
      countsEvent(PRESS, [{ timeUs: T0 + 13 * MINUTE, orderId: 'B-200' }]),
    ]);
    await waitUntil(() => progressAt(PRESS, T0 + 13 * MINUTE), { timeoutMs: 10_000, what: 'the replay' });

    const key = finalConfirmationKey('A-100', '0010', PRESS);
    expect((await outboxRows()).map((row) => [row.id, row.kind, row.kilnRef, row.status])).toEqual([
      [key, 'confirmation', `A-100/0010/${PRESS}`, 'pending'],
    ]);
    expect(await service.outbound.flush()).toBe(1);
    expect(await service.outbound.flush()).toBe(0);
    expect(erp.calls).toEqual([{ kind: 'confirmation', key }]);
    expect(erp.created).toEqual([
      {
        kind: 'confirmation',
        body: {
          idempotencyKey: key,
          orderId: 'A-100',
          operationId: '0010',
          workCenter: 'WC-PRESS',
          yieldQuantity: 75,
          scrapQuantity: 5,
          quantityUnit: 'PC',
          machineTimeS: 330,
          setupTimeS: 30,
          downTimeS: 120,
          startUs: T0 + MINUTE,
          endUs: T0 + 10 * MINUTE,
          final: true,
        },
      },
    ]);
    expect(await database.store.outboxEntry(key)).toMatchObject({
      status: 'sent',
      attempts: 1,
      erpRef: '10000',
    });
    expect(await database.store.linkOfErp('test-erp', 'confirmation', '10000')).toMatchObject({
      kilnKind: 'confirmation',
      kilnRef: `A-100/0010/${PRESS}`,
    });
  });

  it('records an order the ERP never sent as a problem and confirms nothing', async () => {
    await bus.publish(topics.productionCount.name, [
      countsEvent(LATHE, [
        { timeUs: T0 + MINUTE, goodCount: 3, totalCount: 3, orderId: 'X-999' },
        { timeUs: T0 + 2 * MINUTE, goodCount: 3, totalCount: 3, orderId: 'A-101' },
      ]),
    ]);
    await waitUntil(() => progressAt(LATHE, T0 + 2 * MINUTE), {
      timeoutMs: 10_000,
      what: 'A-101 to be current',
    });
    expect(await database.store.listProblems(10, 'confirmation')).toMatchObject([
      { erpSystem: 'test-erp', recordId: 'X-999', problem: expect.stringContaining('unknown order') },
    ]);
    expect((await outboxRows()).filter((row) => row.kilnRef.startsWith('X-999'))).toEqual([]);
  });

  it('posts one maintenance notification for an open alert delivered twice and notes it on the alert', async () => {
    const maintenance = new MaintenanceStore(database.db, database.schema);
    await maintenance.openAlert({
      alertId: 'alert-1',
      assetId: PRESS,
      cause: 'vibration-zone-c',
      signal: 'vibration_velocity_rms',
      severity: 'warning',
      message: 'Vibration velocity 7.2 mm/s is in ISO 10816-3 zone C',
      openedTimeUs: T0,
      healthIndex: 61.5,
      rul: undefined,
      details: { zone: 'C' },
    });
    await bus.publish(topics.maintenanceAlert.name, [
      alertEvent('alert-1'),
      alertEvent('alert-1'),
      alertEvent('alert-info', { severity: AlertSeverity.ALERT_SEVERITY_INFO }),
      alertEvent('alert-acked', { status: AlertStatus.ALERT_STATUS_ACKNOWLEDGED }),
      alertEvent('alert-orphan', { assetId: ORPHAN }),
    ]);
    await waitUntil(async () => (await database.store.listProblems(10, 'notification')).length === 1, {
      timeoutMs: 10_000,
      what: 'the alert of an asset without work center to be seen',
    });
    const key = notificationKey('alert-1');
    expect((await outboxRows()).filter((row) => row.kind === 'notification').map((row) => row.id)).toEqual([
      key,
    ]);
    expect(await database.store.listProblems(10, 'notification')).toMatchObject([
      { recordId: 'alert-orphan', problem: `no work center for asset "${ORPHAN}"` },
    ]);
    expect(await service.outbound.flush()).toBe(1);
    const posted = erp.created.find((entry) => entry.kind === 'notification');
    expect(posted?.body).toMatchObject({
      idempotencyKey: key,
      alertId: 'alert-1',
      assetId: PRESS,
      workCenter: 'WC-PRESS',
      severity: 'warning',
      title: 'Vibration velocity 7.2 mm/s is in ISO 1…',
      healthIndex: 61.5,
      rul: { estimateH: 120, lowerH: 80, upperH: 200 },
    });
    expect(erp.callsOf(key)).toBe(1);
    expect((await maintenance.getAlert('alert-1'))?.details).toEqual({ zone: 'C', erpNotification: '10001' });
  });

  it('sends records it cannot decode to the dead-letter topic and keeps deciding', async () => {
    await bus.publish(topics.productionCount.name, [
      { key: PRESS, value: new Uint8Array([0xff, 0xff, 0xff]) },
    ]);
    await bus.publish(topics.maintenanceAlert.name, [alertEvent('')]);
    await bus.publish(topics.productionCount.name, [
      countsEvent(PRESS, [{ timeUs: T0 + 14 * MINUTE, orderId: 'B-200' }]),
    ]);
    await waitUntil(() => progressAt(PRESS, T0 + 14 * MINUTE), {
      timeoutMs: 10_000,
      what: 'the count after the poison',
    });
    await waitUntil(() => dead.length === 2, { timeoutMs: 10_000, what: 'two records in the DLQ' });
    expect(dead.map((record) => record.headers[dlqHeaderNames.sourceTopic]).sort()).toEqual([
      topics.maintenanceAlert.name,
      topics.productionCount.name,
    ]);
  });
});
