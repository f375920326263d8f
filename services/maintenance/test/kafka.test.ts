// Through the real broker: simulated machines send their condition signals on kiln.telemetry.v1; a machine whose
// bearing wears towards failure raises exactly one alert, which stays open (through the bearing's failure, repair
// and the next wear) until a person acknowledges and resolves it; healthy machines raise none.
import { KafkaBus, type BusRecord, type OutgoingRecord } from '@kiln/bus';
import { AlertStatus, decodeEvent, eventTopics, topics } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { MAINTENANCE_SERVICE_TOPICS } from '../src/maintenance-service';
import { testDatabase, type TestDatabase } from './support/db';
import { SimulatedFleet } from './support/fleet';
import { startService, type RunningMaintenance } from './support/service';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2026, 0, 5);

describeWith(['kafka', 'postgres'], 'the maintenance service through Kafka', () => {
  let database: TestDatabase;
  let bus: KafkaBus;
  let maintenance: RunningMaintenance;

  afterAll(async () => {
    await maintenance.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  it('raises one alert for a wearing bearing and none for healthy machines; the alert waits for people', async () => {
    database = await testDatabase();
    bus = new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName('pdm-test'),
      service: 'maintenance-test',
    });
    await bus.provision(MAINTENANCE_SERVICE_TOPICS);
    const suffix = uniqueName('s')
      .replace(/[^a-z0-9]/g, '')
      .slice(-10);
    const wearing = new SimulatedFleet({
      site: `wear-${suffix}`,
      machines: 1,
      bearingLifeH: 30,
      seed: 3,
      startTimeMs: START_MS,
    });
    const healthy = new SimulatedFleet({
      site: `sound-${suffix}`,
      machines: 2,
      bearingLifeH: 10_000_000,
      seed: 5,
      startTimeMs: START_MS,
    });
    const assets = [...wearing.assetIds, ...healthy.assetIds];
    const alertEvents: BusRecord[] = [];
    const watcher = await bus.subscribe({
      groupId: uniqueName('pdm-watch'),
      topics: [topics.maintenanceAlert.name],
      fromBeginning: false,
      handler: async (batch) => {
        alertEvents.push(...batch.records.filter((record) => assets.includes(record.key)));
      },
    });
    maintenance = await startService({
      bus,
      db: database.db,
      schema: database.schema,
      section: { groupId: uniqueName('maintenance'), startFrom: 'latest', alertCheckIntervalMs: 200 },
    });
    await waitUntil(() => maintenance.service.isReady() && watcher.isReady(), {
      timeoutMs: 30_000,
      what: 'the consumers to join and find their start offsets',
    });
    const { store } = maintenance.service;
    const run = async (hours: number): Promise<void> => {
      for (let elapsed = 0; elapsed < hours * HOUR_MS; elapsed += HOUR_MS / 6) {
        const records: OutgoingRecord[] = [...wearing.advance(HOUR_MS / 6), ...healthy.advance(HOUR_MS / 6)];
        await bus.publish(topics.telemetry.name, records);
      }
      const expected = wearing.samples + healthy.samples;
      await waitUntil(async () => (await maintenance.scored()) >= expected, {
        timeoutMs: 120_000,
        what: `${expected} samples scored`,
      });
    };
    const alertsOf = async (assetId: string) =>
      (await store.listAlerts({ assetId, limit: 100 })).filter((alert) => alert.assetId === assetId);
    const [wearingAsset] = wearing.assetIds;
    if (wearingAsset === undefined) throw new Error('the wearing fleet has no machine');

    // Long enough for the baseline, the wear, the bearing's failure, its repair and the next wear.
    await run(72);
    expect(wearing.bearingFailures.length).toBeGreaterThanOrEqual(1);
    const [alert, ...others] = await alertsOf(wearingAsset);
    expect(others).toEqual([]);
    expect(alert?.status).toBe('open');
    expect(alert?.openedTimeUs).toBeLessThan((wearing.bearingFailures[0]?.timeMs ?? 0) * 1000);
    for (const assetId of healthy.assetIds) expect(await alertsOf(assetId)).toEqual([]);
    await waitUntil(() => alertEvents.some((record) => record.key === wearingAsset), {
      timeoutMs: 30_000,
      what: 'the alert on kiln.maintenance.alert.v1',
    });
    const published = alertEvents.map((record) =>
      decodeEvent(eventTopics.maintenanceAlert, record.value, record.headers),
    );
    expect(new Set(published.map((event) => event.alertId))).toEqual(new Set([alert?.alertId]));
    expect(published[0]?.status).toBe(AlertStatus.ALERT_STATUS_OPEN);

    // Acknowledged, it stays the one alert while the machine wears on.
    if (alert === undefined) throw new Error('no alert');
    await store.acknowledgeAlert(alert.alertId, 'maintenance-crew', 'bearing ordered', Date.now() * 1000);
    await run(24);
    expect((await alertsOf(wearingAsset)).map((a) => [a.alertId, a.status])).toEqual([
      [alert.alertId, 'acknowledged'],
    ]);
    for (const assetId of healthy.assetIds) expect(await alertsOf(assetId)).toEqual([]);

    // Resolved by a person, it stays resolved; the re-armed detector may open a new alert while the machine
    // still wears, but never more than one at a time.
    await store.resolveAlert(alert.alertId, 'maintenance-crew', 'bearing replaced', Date.now() * 1000);
    await run(12);
    const after = await alertsOf(wearingAsset);
    expect(after.find((a) => a.alertId === alert.alertId)?.status).toBe('resolved');
    expect(after.filter((a) => a.status !== 'resolved').length).toBeLessThanOrEqual(1);
  }, 300_000);
});
