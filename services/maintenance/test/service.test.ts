// The maintenance service over the in-process bus and a real PostgreSQL: one alert for one fault, health history,
// poison records to the dead-letter topic, replays that change nothing, and models that survive a restart.
import { InProcessBus, type BusRecord, type OutgoingRecord } from '@kiln/bus';
import { dlqHeaderNames, topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { maintenanceSectionSchema } from '../src/config';
import { MAINTENANCE_SERVICE_TOPICS } from '../src/maintenance-service';
import { testDatabase, type TestDatabase } from './support/db';
import { startService, type RunningMaintenance } from './support/service';
import { SyntheticMachine } from './support/synthetic';

const START_MS = Date.UTC(2026, 2, 2);
const HOUR_MS = 3_600_000;
const ASSET = 'acme/plant-t/press-shop/line-1/press-1';
/** Small windows and a short baseline, so that a test covers a fault in a few simulated hours. */
const section = maintenanceSectionSchema.parse({
  groupId: 'maintenance-test',
  alertCheckIntervalMs: 100,
  model: {
    featureWindowS: 120,
    baseline: { hours: 1, minWindows: 10 },
    alerts: { minDurationS: 600 },
  },
});
/** Healthy at 1.2 mm/s for 2 h, then a bearing fault at 8 mm/s (ISO 10816 group 2 flexible: zone D). */
const bearingFault = (elapsedMs: number): number => (elapsedMs < 2 * HOUR_MS ? 1.2 : 8);

describeWith(['postgres'], 'the maintenance service', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  let service: RunningMaintenance;
  const dead: BusRecord[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'maintenance-test', drainTimeoutMs: 1_000 });
    await bus.provision(MAINTENANCE_SERVICE_TOPICS);
    await bus.subscribe({
      groupId: 'dlq-watch',
      topics: [topics.dlq.name],
      handler: async (batch) => void dead.push(...batch.records),
    });
    service = await startService({ bus, db: database.db, schema: database.schema, section });
  });

  afterAll(async () => {
    await service.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  const machine = new SyntheticMachine(ASSET, START_MS, bearingFault);
  const history: OutgoingRecord[] = [];
  /** Samples published so far: 12 per minute of each of 3 signals. */
  let samples = 0;
  const publish = async (records: readonly OutgoingRecord[]): Promise<void> => {
    await bus.publish(topics.telemetry.name, records);
    history.push(...records);
    samples += records.length * 36;
  };
  const scoredAll = (running: RunningMaintenance) =>
    waitUntil(async () => (await running.scored()) >= samples, {
      timeoutMs: 30_000,
      what: `${samples} samples scored`,
    });
  const alertsOf = () => service.service.store.listAlerts({ assetId: ASSET, limit: 10 });
  const healthRows = async () =>
    (await service.service.store.healthHistory(ASSET, 0, Date.now() * 1000, 100_000)).length;

  it('learns the baseline, then opens one alert for a bearing fault and stores the health history', async () => {
    await publish(machine.advance(4 * 60));
    await scoredAll(service);
    const alerts = await alertsOf();
    expect(alerts.map((alert) => [alert.status, alert.signal, alert.severity])).toEqual([
      ['open', 'vibration', 'critical'],
    ]);
    expect(alerts[0]?.openedTimeUs).toBeGreaterThan((START_MS + 2 * HOUR_MS) * 1000);
    const latest = await service.service.store.latestHealth(ASSET);
    expect(latest?.baselineReady).toBe(true);
    expect(latest?.healthIndex).toBeLessThan(40);
    expect(latest?.signals.find((signal) => signal.signal === 'vibration')?.zone).toBe('D');
    const rows = await service.service.store.healthHistory(ASSET, 0, Date.now() * 1000, 1000);
    expect(rows.length).toBeGreaterThan(60);
    const healthyPart = rows.filter(
      (row) => row.baselineReady && row.timeUs < (START_MS + 2 * HOUR_MS) * 1000,
    );
    expect(healthyPart.length).toBeGreaterThan(0);
    expect(healthyPart.every((row) => row.healthIndex > 85)).toBe(true);
  });

  it('sends a record it cannot decode to the dead-letter topic and keeps scoring the partition', async () => {
    await bus.publish(topics.telemetry.name, [{ key: ASSET, value: new Uint8Array([0xff, 0xff, 0xff]) }]);
    await publish(machine.advance(30));
    await scoredAll(service);
    await waitUntil(() => dead.length === 1, { timeoutMs: 10_000, what: 'the poison record in the DLQ' });
    expect(dead[0]?.headers[dlqHeaderNames.sourceTopic]).toBe(topics.telemetry.name);
  });

  it('changes nothing when the same telemetry is delivered again', async () => {
    const [alertsBefore, rowsBefore] = [await alertsOf(), await healthRows()];
    const replay = history.slice();
    await bus.publish(topics.telemetry.name, replay);
    samples += replay.length * 36;
    await scoredAll(service);
    expect(await alertsOf()).toEqual(alertsBefore);
    expect(await healthRows()).toBe(rowsBefore);
  });

  it('resumes from the saved models after a restart: no relearning, no second alert', async () => {
    await service.lifecycle.stopAll();
    const [alert] = await alertsOf();
    service = await startService({ bus, db: database.db, schema: database.schema, section });
    samples = 0;
    await publish(machine.advance(60));
    await scoredAll(service);
    const alerts = await alertsOf();
    expect(alerts.map((a) => a.alertId)).toEqual([alert?.alertId]);
    const after = await service.service.store.healthHistory(
      ASSET,
      (START_MS + 4.5 * HOUR_MS) * 1000,
      Date.now() * 1000,
      1000,
    );
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((row) => row.baselineReady)).toBe(true);
  });

  it('re-arms after a person resolves the alert: a fault that persists opens one new alert', async () => {
    const [alert] = await alertsOf();
    if (alert === undefined) throw new Error('no alert to resolve');
    await service.service.store.resolveAlert(alert.alertId, 'crew', 'not repaired yet', Date.now() * 1000);
    await waitUntil(async () => (await service.service.checkResolvedAlerts()) === 0, {
      timeoutMs: 5_000,
      what: 'the resolution to be read back',
    });
    await publish(machine.advance(60));
    await scoredAll(service);
    const alerts = await alertsOf();
    expect(alerts.map((a) => a.status)).toEqual(['open', 'resolved']);
    expect(alerts[0]?.alertId).not.toBe(alert.alertId);
  });
});
