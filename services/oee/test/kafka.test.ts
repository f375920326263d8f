// Through the real broker: canonical events of a shift for two assets in, stored windows equal to the core over
// the same inputs to 1e-9, and the windows published on kiln.oee.v1.
import { KafkaBus, type BusRecord } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { testDatabase, type TestDatabase } from './support/db';
import { DAY0_US, HOUR_US, ShiftFixture } from './support/fixture';
import { OEE_TOPICS, publishAll, startService, type RunningOee } from './support/service';

describeWith(['kafka', 'postgres'], 'the OEE service through Kafka', () => {
  let database: TestDatabase;
  let bus: KafkaBus;
  let oee: RunningOee;

  afterAll(async () => {
    await oee.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  it('stores the windows of a shift equal to the core over the same inputs and publishes them', async () => {
    const fixture = new ShiftFixture('kafka');
    database = await testDatabase();
    bus = new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName('oee-test'),
      service: 'oee-test',
    });
    await bus.provision(OEE_TOPICS);
    const published: BusRecord[] = [];
    const watcher = await bus.subscribe({
      groupId: uniqueName('oee-watch'),
      topics: [topics.oee.name],
      fromBeginning: false,
      handler: async (batch) => {
        published.push(...batch.records.filter((r) => fixture.assets.includes(r.key)));
      },
    });
    oee = await startService({
      bus,
      db: database.db,
      schema: database.schema,
      now: () => (DAY0_US + 25 * HOUR_US) / 1000,
      section: { groupId: uniqueName('oee'), startFrom: 'latest' },
    });
    await waitUntil(() => oee.service.isReady() && watcher.isReady(), {
      timeoutMs: 30_000,
      what: 'the consumers to join and find their start offsets',
    });
    const events = fixture.events();
    await publishAll(bus, events);
    await waitUntil(async () => (await oee.handled()) >= events.length, {
      timeoutMs: 90_000,
      what: `${events.length} events handled`,
    });
    for (const assetId of fixture.assets) {
      const results = await oee.service.store.results(assetId);
      expect(results.length).toBeGreaterThanOrEqual(12);
      for (const result of results) {
        const reference = fixture.reference(assetId, result.windowStartUs, result.windowEndUs);
        expect(Math.abs((result.oee ?? -1) - (reference.oee ?? -1))).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(result.plannedBusyTimeS - reference.plannedBusyTimeS)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(result.goodCount - reference.goodCount)).toBeLessThanOrEqual(1e-9);
      }
    }
    await waitUntil(() => published.length > 0, { timeoutMs: 30_000, what: 'results on kiln.oee.v1' });
  }, 180_000);
});
