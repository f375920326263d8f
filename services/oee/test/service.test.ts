// The OEE service over the in-process bus and a real PostgreSQL: stored windows equal the core over the same
// inputs, late and shuffled data give the same results, corrections republish exactly the affected windows, stop
// reasons re-classify, and a restarted service resumes without double counting.
import { InProcessBus, type BusRecord } from '@kiln/bus';
import {
  decodeEvent,
  dlqHeaderNames,
  encodeEvent,
  eventTopics,
  MachineState,
  OeeWindowKind,
  topics,
  type OeeResult,
} from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { expectSameAsCore } from './support/compare';
import { testDatabase, type TestDatabase } from './support/db';
import { DAY0_US, figures, HOUR_US, MIN_US, SHIFT_START_US, ShiftFixture, shuffled } from './support/fixture';
import { OEE_TOPICS, publishAll, startService, type RunningOee } from './support/service';

const NOW_MS = (DAY0_US + 25 * HOUR_US) / 1000;
interface Harness {
  database: TestDatabase;
  bus: InProcessBus;
  oee: RunningOee;
  published: BusRecord[];
}

async function harness(fixture: ShiftFixture): Promise<Harness> {
  const database = await testDatabase();
  const bus = new InProcessBus({ service: 'oee-test', drainTimeoutMs: 1_000 });
  await bus.provision(OEE_TOPICS);
  const published: BusRecord[] = [];
  await bus.subscribe({
    groupId: 'watch-oee',
    topics: [topics.oee.name],
    handler: async (batch) => {
      published.push(...batch.records.filter((r) => fixture.assets.includes(r.key)));
    },
  });
  const oee = await startService({ bus, db: database.db, schema: database.schema, now: () => NOW_MS });
  return { database, bus, oee, published };
}

async function settle(h: Harness, expected: number): Promise<void> {
  await waitUntil(async () => (await h.oee.handled()) >= expected, {
    timeoutMs: 60_000,
    what: `${expected} events handled`,
  });
}

async function stop(h: Harness): Promise<void> {
  await h.oee.lifecycle.stopAll();
  await h.bus.close();
  await h.database.drop();
}

describeWith(['postgres'], 'the OEE service over the in-process bus', () => {
  const fixture = new ShiftFixture();
  let inOrder: Harness;

  beforeAll(async () => {
    inOrder = await harness(fixture);
    await publishAll(inOrder.bus, fixture.events());
    await settle(inOrder, fixture.events().length);
  }, 120_000);

  afterAll(async () => {
    await stop(inOrder);
  });

  it('stores hour, shift, order and day windows equal to the core over the same inputs, to 1e-9', async () => {
    for (const assetId of fixture.assets) {
      const results = await inOrder.oee.service.store.results(assetId);
      const kinds = results.map((r) => r.windowKind);
      expect(kinds.filter((k) => k === OeeWindowKind.OEE_WINDOW_KIND_HOUR).length).toBeGreaterThanOrEqual(8);
      expect(kinds.filter((k) => k === OeeWindowKind.OEE_WINDOW_KIND_SHIFT)).toHaveLength(1);
      expect(kinds.filter((k) => k === OeeWindowKind.OEE_WINDOW_KIND_ORDER)).toHaveLength(2);
      expect(kinds.filter((k) => k === OeeWindowKind.OEE_WINDOW_KIND_DAY)).toHaveLength(1);
      for (const result of results) {
        expectSameAsCore(result, fixture.reference(assetId, result.windowStartUs, result.windowEndUs));
      }
      const shift = results.find((r) => r.windowKind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT);
      expect(shift?.oee).toBeGreaterThan(0.3);
    }
  });

  it('publishes every stored window to kiln.oee.v1, the last revision equal to the stored one', async () => {
    await waitUntil(() => inOrder.published.length > 0, { timeoutMs: 5_000, what: 'published results' });
    const latest = new Map<string, OeeResult>();
    for (const record of inOrder.published) {
      const result = decodeEvent(eventTopics.oee, record.value, record.headers);
      const key = `${result.assetId}:${result.windowKind}:${result.windowStartUs}`;
      const seen = latest.get(key);
      if (seen === undefined || seen.revision < result.revision) latest.set(key, result);
    }
    for (const assetId of fixture.assets) {
      for (const stored of await inOrder.oee.service.store.results(assetId)) {
        const published = latest.get(`${assetId}:${stored.windowKind}:${stored.windowStartUs}`);
        expect(published?.revision).toBe(stored.revision);
        expect(published && figures(published)).toEqual(figures(stored));
      }
    }
  });

  it('gives identical window results when the same events arrive shuffled within each asset', async () => {
    const events = fixture.events();
    const byAsset = fixture.assets.map((assetId) => events.filter((e) => e.encoded.key === assetId));
    const late = await harness(fixture);
    try {
      await publishAll(
        late.bus,
        byAsset.flatMap((list, i) => shuffled(list, 7 + i)),
      );
      await settle(late, events.length);
      for (const assetId of fixture.assets) {
        const expected = (await inOrder.oee.service.store.results(assetId)).map(figures);
        expect((await late.oee.service.store.results(assetId)).map(figures)).toEqual(expected);
      }
    } finally {
      await stop(late);
    }
  }, 120_000);

  it('recomputes and republishes exactly the windows a late count touches, with a new revision', async () => {
    const own = new ShiftFixture('late');
    const h = await harness(own);
    try {
      await publishAll(h.bus, own.events());
      await settle(h, own.events().length);
      const [assetId] = own.assets;
      if (assetId === undefined) throw new Error('no asset');
      const before = await h.oee.service.store.results(assetId);
      const lateCount = {
        timeUs: SHIFT_START_US + 30 * MIN_US + 1,
        totalCount: 40,
        goodCount: 30,
        scrapCount: 10,
        orderId: '',
      };
      const publishedBefore = h.published.length;
      await h.bus.publish(topics.productionCount.name, [
        encodeEvent(eventTopics.productionCount, { assetId, deltas: [lateCount] }),
      ]);
      await settle(h, own.events().length + 1);
      const after = await h.oee.service.store.results(assetId);
      const changed = after.filter((result, i) => result.revision !== before[i]?.revision);
      // The 06:00 hour, the shift, order A and the day.
      expect(changed.map((r) => r.windowKind).sort()).toEqual(
        [
          OeeWindowKind.OEE_WINDOW_KIND_HOUR,
          OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
          OeeWindowKind.OEE_WINDOW_KIND_ORDER,
          OeeWindowKind.OEE_WINDOW_KIND_DAY,
        ].sort(),
      );
      for (const result of changed) {
        expectSameAsCore(
          result,
          own.reference(assetId, result.windowStartUs, result.windowEndUs, [lateCount]),
        );
      }
      await waitUntil(() => h.published.length >= publishedBefore + 4, {
        timeoutMs: 5_000,
        what: 'republished',
      });
      const republished = h.published
        .slice(publishedBefore)
        .map((r) => decodeEvent(eventTopics.oee, r.value, r.headers));
      expect(republished).toHaveLength(4);
      expect(republished.every((r) => r.revision >= 2)).toBe(true);
    } finally {
      await stop(h);
    }
  }, 120_000);

  it('sends records that break the rules to the dead-letter topic and goes on with the rest', async () => {
    const own = new ShiftFixture('poison');
    const h = await harness(own);
    try {
      const dead: BusRecord[] = [];
      await h.bus.subscribe({
        groupId: 'watch-dlq',
        topics: [topics.dlq.name],
        handler: async (batch) => {
          dead.push(...batch.records.filter((r) => own.assets.includes(r.key)));
        },
      });
      const [assetId] = own.assets;
      if (assetId === undefined) throw new Error('no asset');
      const [early] = own.shifts(assetId);
      if (early === undefined) throw new Error('no shift');
      const delta = { timeUs: SHIFT_START_US, totalCount: 5, goodCount: 5, scrapCount: 0, orderId: '' };
      const poison = [
        encodeEvent(eventTopics.productionCount, { assetId, deltas: [{ ...delta, goodCount: -1 }] }),
        encodeEvent(eventTopics.productionCount, { assetId, deltas: [{ ...delta, timeUs: -5 }] }),
        encodeEvent(eventTopics.erpShift, {
          ...early,
          endUs: SHIFT_START_US - 1,
        }),
      ];
      await h.bus.publish(topics.productionCount.name, poison.slice(0, 2));
      await h.bus.publish(topics.erpShift.name, poison.slice(2));
      await publishAll(h.bus, own.events());
      await settle(h, own.events().length);
      await waitUntil(() => dead.length >= 3, { timeoutMs: 30_000, what: 'three dead letters' });
      expect(dead).toHaveLength(3);
      const reasons = dead.map((record) => record.headers[dlqHeaderNames.error] ?? '').join('\n');
      expect(reasons).toMatch(/goodCount is -1/);
      expect(reasons).toMatch(/not a time between 1970 and 2255/);
      expect(reasons).toMatch(/ends at or before it starts/);
      const shift = (await h.oee.service.store.results(assetId)).find(
        (result) => result.windowKind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      );
      if (shift === undefined) throw new Error('no shift window stored');
      expectSameAsCore(shift, own.reference(assetId, SHIFT_START_US, SHIFT_START_US + 8 * HOUR_US));
    } finally {
      await stop(h);
    }
  });

  it('dead-letters an operator event with a NUL in its reason text and stores the events after it', async () => {
    const own = new ShiftFixture('nul-reason');
    const h = await harness(own);
    try {
      const dead: BusRecord[] = [];
      await h.bus.subscribe({
        groupId: 'watch-dlq-nul',
        topics: [topics.dlq.name],
        handler: async (batch) => {
          dead.push(...batch.records.filter((r) => own.assets.includes(r.key)));
        },
      });
      // PostgreSQL refuses U+0000 in text (SQLSTATE 22021): once treated as an outage, it stalled the partition.
      const poison = own.assets.map((assetId) =>
        encodeEvent(eventTopics.machineState, {
          assetId,
          event: {
            $case: 'reason',
            value: {
              stopStartTimeUs: SHIFT_START_US + 200 * MIN_US,
              reasonCode: 'E-MOTOR',
              reasonText: 'Motor\u0000tripped',
              state: MachineState.MACHINE_STATE_BREAKDOWN,
              assignedBy: 'operator-7',
              assignedTimeUs: DAY0_US + 20 * HOUR_US,
            },
          },
        }),
      );
      await h.bus.publish(topics.machineState.name, poison);
      await publishAll(h.bus, own.events());
      await settle(h, own.events().length);
      await waitUntil(() => dead.length >= poison.length, {
        timeoutMs: 30_000,
        what: 'the NUL events dead-lettered',
      });
      expect(dead).toHaveLength(poison.length);
      expect(dead[0]?.headers[dlqHeaderNames.error]).toMatch(/reasonText .*U\+0000/);
      for (const assetId of own.assets) {
        const shift = (await h.oee.service.store.results(assetId)).find(
          (result) => result.windowKind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
        );
        if (shift === undefined) throw new Error(`no shift window stored for ${assetId}`);
        expectSameAsCore(shift, own.reference(assetId, SHIFT_START_US, SHIFT_START_US + 8 * HOUR_US));
      }
    } finally {
      await stop(h);
    }
  }, 120_000);

  it('re-classifies a stop when an operator assigns a reason and state to it', async () => {
    const own = new ShiftFixture('reason');
    const h = await harness(own);
    try {
      await publishAll(h.bus, own.events());
      await settle(h, own.events().length);
      const [assetId] = own.assets;
      if (assetId === undefined) throw new Error('no asset');
      const stopStartUs = SHIFT_START_US + 200 * MIN_US;
      await h.bus.publish(topics.machineState.name, [
        encodeEvent(eventTopics.machineState, {
          assetId,
          event: {
            $case: 'reason',
            value: {
              stopStartTimeUs: stopStartUs,
              reasonCode: 'E-MOTOR',
              reasonText: 'Motor tripped',
              state: MachineState.MACHINE_STATE_BREAKDOWN,
              assignedBy: 'operator-7',
              assignedTimeUs: DAY0_US + 20 * HOUR_US,
            },
          },
        }),
      ]);
      await settle(h, own.events().length + 1);
      const states = own.stateEvents(assetId).map((event) =>
        event.event.value.startTimeUs === stopStartUs
          ? {
              ...event,
              event: {
                ...event.event,
                value: { ...event.event.value, state: MachineState.MACHINE_STATE_BREAKDOWN },
              },
            }
          : event,
      );
      const hour = (await h.oee.service.store.results(assetId)).find(
        (r) =>
          r.windowKind === OeeWindowKind.OEE_WINDOW_KIND_HOUR &&
          r.windowStartUs === SHIFT_START_US + 3 * HOUR_US,
      );
      if (hour === undefined) throw new Error('no 09:00 hour');
      expect(hour.revision).toBeGreaterThanOrEqual(2);
      expectSameAsCore(hour, own.reference(assetId, hour.windowStartUs, hour.windowEndUs, [], states));
      expect(hour.mtbfS).toBeDefined();
    } finally {
      await stop(h);
    }
  }, 120_000);

  it('resumes after a restart from the database without double counting', async () => {
    const own = new ShiftFixture('restart');
    const h = await harness(own);
    try {
      const events = own.events();
      const half = Math.floor(events.length / 2);
      await publishAll(h.bus, events.slice(0, half));
      await settle(h, half);
      await h.oee.lifecycle.stopAll();
      const second = await startService({
        bus: h.bus,
        db: h.database.db,
        schema: h.database.schema,
        now: () => NOW_MS,
      });
      h.oee = second;
      // Replays of what the first one stored may arrive again (at-least-once): publish a few twice.
      await publishAll(h.bus, [...events.slice(half - 5, half), ...events.slice(half)]);
      await settle(h, events.length - half + 5);
      for (const assetId of own.assets) {
        for (const result of await second.service.store.results(assetId)) {
          expectSameAsCore(result, own.reference(assetId, result.windowStartUs, result.windowEndUs));
        }
      }
      expect(await h.database.count(`SELECT count(*) AS n FROM $schema.production_counts`)).toBe(48 * 2);
    } finally {
      await stop(h);
    }
  }, 120_000);

  it('closes the hour of a quiet asset on the timer and keeps its open windows live', async () => {
    const own = new ShiftFixture('quiet');
    const database = await testDatabase();
    const bus = new InProcessBus({ service: 'oee-test', drainTimeoutMs: 1_000 });
    await bus.provision(OEE_TOPICS);
    let nowMs = (DAY0_US + 8 * HOUR_US + 30 * MIN_US) / 1000;
    const oee = await startService({ bus, db: database.db, schema: database.schema, now: () => nowMs });
    const h: Harness = { database, bus, oee, published: [] };
    try {
      const [assetId] = own.assets;
      if (assetId === undefined) throw new Error('no asset');
      const [running] = own.stateEvents(assetId);
      if (running === undefined) throw new Error('no state');
      await bus.publish(topics.machineState.name, [
        encodeEvent(eventTopics.machineState, {
          ...running,
          event: { ...running.event, value: { ...running.event.value, startTimeUs: DAY0_US + 8 * HOUR_US } },
        }),
      ]);
      await settle(h, 1);
      expect(await oee.service.store.results(assetId)).toEqual([]);
      const liveHour = await oee.live.get(assetId, OeeWindowKind.OEE_WINDOW_KIND_HOUR);
      expect(liveHour?.actualProductionTimeS).toBeCloseTo(0, 9); // no shift: nothing planned
      expect(liveHour?.calendarTimeS).toBeCloseTo(30 * 60, 6);
      nowMs += HOUR_US / 1000;
      await waitUntil(() => oee.service.isReady(), { timeoutMs: 5_000, what: 'assigned' });
      expect(await oee.service.closeDueWindows()).toBeGreaterThanOrEqual(1);
      const hours = (await oee.service.store.results(assetId)).filter(
        (r) => r.windowKind === OeeWindowKind.OEE_WINDOW_KIND_HOUR,
      );
      expect(hours.map((r) => r.windowStartUs)).toEqual([DAY0_US + 8 * HOUR_US]);
    } finally {
      await stop(h);
    }
  }, 60_000);
});
