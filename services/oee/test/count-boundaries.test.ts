// Issue 15, part 1, through the OEE service over the in-process bus and a real PostgreSQL: a count covers
// (interval start, time]. A shift's last count stamped at the shift end is stored in that shift, an hourly count
// at the hour in the hour ending there, and a delta straddling an hour is shared by time, also when the counts
// arrive after the windows were first computed (late data recomputes the windows the count reaches).
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { encodeEvent, eventTopics, MachineState, OeeWindowKind, type OeeResult } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { testDatabase, type TestDatabase } from './support/db';
import { DAY0_US, HOUR_US, MIN_US, type FixtureEvent } from './support/fixture';
import { OEE_TOPICS, publishAll, startService, type RunningOee } from './support/service';

const NOW_MS = (DAY0_US + 25 * HOUR_US) / 1000;
const at = (hours: number, minutes = 0): number => DAY0_US + hours * HOUR_US + minutes * MIN_US;

function shift(assetId: string, name: string, fromH: number, toH: number): FixtureEvent {
  const value = {
    assetId,
    shiftId: `${assetId}#${name}`,
    name,
    startUs: at(fromH),
    endUs: at(toH),
    breaks: [],
    cancelled: false,
    erpSystem: 'test',
    changedTimeUs: DAY0_US,
  };
  return { topic: eventTopics.erpShift.topic.name, encoded: encodeEvent(eventTopics.erpShift, value) };
}

function stateAt(assetId: string, timeUs: number, state: MachineState): FixtureEvent {
  return {
    topic: eventTopics.machineState.topic.name,
    encoded: encodeEvent(eventTopics.machineState, {
      assetId,
      event: {
        $case: 'change' as const,
        value: { state, startTimeUs: timeUs, reasonCode: '', reasonText: '', sourceCode: '' },
      },
    }),
  };
}

function count(assetId: string, timeUs: number, total: number, intervalStartUs?: number): FixtureEvent {
  const delta = { timeUs, totalCount: total, goodCount: total, scrapCount: 0, orderId: '', intervalStartUs };
  return {
    topic: eventTopics.productionCount.topic.name,
    encoded: encodeEvent(eventTopics.productionCount, { assetId, deltas: [delta] }),
  };
}

describeWith(['postgres'], 'count boundaries through the OEE service', () => {
  const assetId = `counts-${randomBytes(4).toString('hex')}/site/area/line/m1`;
  let database: TestDatabase;
  let bus: InProcessBus;
  let oee: RunningOee;
  let results: OeeResult[];

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'oee-count-boundaries-test', drainTimeoutMs: 1_000 });
    await bus.provision(OEE_TOPICS);
    oee = await startService({ bus, db: database.db, schema: database.schema, now: () => NOW_MS });
    const first = [
      shift(assetId, 'early', 6, 14),
      shift(assetId, 'late', 14, 22),
      stateAt(assetId, at(6), MachineState.MACHINE_STATE_RUNNING),
      stateAt(assetId, at(22), MachineState.MACHINE_STATE_NO_ORDER),
    ];
    await publishAll(bus, first);
    await waitUntil(async () => (await oee.handled()) >= first.length, { timeoutMs: 60_000, what: 'shifts' });
    const counts = [
      count(assetId, at(8), 3600, at(7)),
      count(assetId, at(14), 1000),
      count(assetId, at(15, 10), 600, at(14, 50)),
    ];
    await publishAll(bus, counts);
    await waitUntil(async () => (await oee.handled()) >= first.length + counts.length, {
      timeoutMs: 60_000,
      what: 'counts',
    });
    results = await oee.service.store.results(assetId);
  }, 120_000);

  afterAll(async () => {
    await oee.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  const totalOf = (kind: OeeWindowKind, startUs: number): number | undefined =>
    results.find((result) => result.windowKind === kind && result.windowStartUs === startUs)?.totalCount;

  it("stores the shift's last count, stamped at the shift end, in that shift", () => {
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_SHIFT, at(6))).toBe(3600 + 1000);
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_SHIFT, at(14))).toBe(600);
  });

  it('stores an hourly count at the hour in the hour that ends there', () => {
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_HOUR, at(7))).toBe(3600);
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_HOUR, at(13))).toBe(1000);
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_HOUR, at(8)) ?? 0).toBe(0);
  });

  it('shares a delta straddling an hour between the hours by time', () => {
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_HOUR, at(14))).toBeCloseTo(300, 9);
    expect(totalOf(OeeWindowKind.OEE_WINDOW_KIND_HOUR, at(15))).toBeCloseTo(300, 9);
  });
});
