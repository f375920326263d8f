// Roll-ups by ideal time through the OEE service (issue 15, defect 2), over the in-process bus and a real
// PostgreSQL: machines with different ideal cycle times, worked by hand. A machine that makes a 0.5 s and a 2 s
// product in one shift stores OEE = good x ideal cycle time / PBT, and the line of a 0.5 s and a 2 s machine
// rolled up from the stored shifts through the analysts' view (docs/analytics.md) is the machines' good output
// time over their planned busy time.
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { encodeEvent, eventTopics, MachineState, OeeWindowKind, OrderStatus } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { analyticsSchemaName } from '@kiln/timeseries';
import { testDatabase, type TestDatabase } from './support/db';
import { DAY0_US, HOUR_US, MIN_US, SHIFT_END_US, SHIFT_START_US, type FixtureEvent } from './support/fixture';
import { OEE_TOPICS, publishAll, startService, type RunningOee } from './support/service';

// Each machine works the shift 06:00-14:00 without breaks: PBT 28,800 s.
//   m1, 0.5 s a part (one order): runs throughout; 40,000 parts, 36,000 good: OEE = 18,000 / 28,800 = 0.625
//   m2, 2 s a part (one order): 09:00-10:00 breakdown; 10,000 parts, 9,900 good: OEE = 19,800 / 28,800 = 0.6875
//   line m1 + m2: A = 54,000 / 57,600, P = 40,000 / 54,000, Q = 37,800 / 40,000 = 0.945,
//                 OEE = 37,800 / 57,600 = 0.65625 (counting parts alike: Q = 0.918, OEE = 0.6375)
//   m3, both products (order A 0.5 s 06:00-10:00, order B 2 s 10:00-14:00): 20,000 parts (18,000 good) under A,
//       5,000 (4,950 good) under B: ideal 20,000 s, good ideal 18,900 s: Q = 0.945, OEE = 18,900 / 28,800 = 0.65625
const NOW_MS = (DAY0_US + 25 * HOUR_US) / 1000;
const at = (hours: number): number => SHIFT_START_US + hours * HOUR_US;
const S = MachineState;

interface Machine {
  readonly id: string;
  readonly orders: readonly { suffix: string; idealCycleTimeS: number; fromH: number; toH: number }[];
  readonly counts: readonly { atH: number; total: number; good: number }[];
  readonly breakdown?: { fromH: number; toH: number };
}

function machines(): Machine[] {
  const line = `rollup-${randomBytes(4).toString('hex')}/site/area/line`;
  return [
    {
      id: `${line}/m1`,
      orders: [{ suffix: 'A', idealCycleTimeS: 0.5, fromH: 0, toH: 8 }],
      counts: [{ atH: 7, total: 40_000, good: 36_000 }],
    },
    {
      id: `${line}/m2`,
      orders: [{ suffix: 'B', idealCycleTimeS: 2, fromH: 0, toH: 8 }],
      counts: [{ atH: 7, total: 10_000, good: 9_900 }],
      breakdown: { fromH: 3, toH: 4 },
    },
    {
      id: `${line}/m3`,
      orders: [
        { suffix: 'A', idealCycleTimeS: 0.5, fromH: 0, toH: 4 },
        { suffix: 'B', idealCycleTimeS: 2, fromH: 4, toH: 8 },
      ],
      counts: [
        { atH: 3, total: 20_000, good: 18_000 },
        { atH: 7, total: 5_000, good: 4_950 },
      ],
    },
  ];
}

function events(machine: Machine): FixtureEvent[] {
  const assetId = machine.id;
  const shift = {
    assetId,
    shiftId: `${assetId}#early`,
    name: 'early',
    startUs: SHIFT_START_US,
    endUs: SHIFT_END_US,
    breaks: [],
    cancelled: false,
    erpSystem: 'test',
    changedTimeUs: DAY0_US,
  };
  const orders = machine.orders.map((order) => ({
    assetId,
    orderId: `${assetId}#${order.suffix}`,
    operationId: '0010',
    material: order.suffix,
    materialDescription: '',
    targetQuantity: 50_000,
    quantityUnit: 'PC',
    erpSystem: 'test',
    changedTimeUs: DAY0_US,
    idealCycleTimeS: order.idealCycleTimeS,
    status: OrderStatus.ORDER_STATUS_COMPLETED,
    scheduledStartUs: at(order.fromH),
    scheduledEndUs: at(order.toH),
    actualStartUs: at(order.fromH),
    actualEndUs: at(order.toH),
  }));
  const states: [number, MachineState][] = [
    [0, S.MACHINE_STATE_RUNNING],
    ...(machine.breakdown === undefined
      ? []
      : ([
          [machine.breakdown.fromH, S.MACHINE_STATE_BREAKDOWN],
          [machine.breakdown.toH, S.MACHINE_STATE_RUNNING],
        ] as [number, MachineState][])),
    [8, S.MACHINE_STATE_NO_ORDER],
  ];
  return [
    { topic: eventTopics.erpShift.topic.name, encoded: encodeEvent(eventTopics.erpShift, shift) },
    ...orders.map((order) => ({
      topic: eventTopics.erpOrder.topic.name,
      encoded: encodeEvent(eventTopics.erpOrder, order),
    })),
    ...states.map(([hours, state]) => ({
      topic: eventTopics.machineState.topic.name,
      encoded: encodeEvent(eventTopics.machineState, {
        assetId,
        event: {
          $case: 'change' as const,
          value: { state, startTimeUs: at(hours), reasonCode: '', reasonText: '', sourceCode: '' },
        },
      }),
    })),
    ...machine.counts.map((count) => ({
      topic: eventTopics.productionCount.topic.name,
      encoded: encodeEvent(eventTopics.productionCount, {
        assetId,
        deltas: [
          {
            // A minute before the hour: inside the window whatever the rule for a count stamped on its end.
            timeUs: at(count.atH) - MIN_US,
            totalCount: count.total,
            goodCount: count.good,
            scrapCount: count.total - count.good,
            orderId: '',
          },
        ],
      }),
    })),
  ];
}

describeWith(['postgres'], 'roll-ups by ideal time through the OEE service', () => {
  const plant = machines();
  let database: TestDatabase;
  let bus: InProcessBus;
  let oee: RunningOee;

  beforeAll(async () => {
    database = await testDatabase();
    bus = new InProcessBus({ service: 'oee-rollup-test', drainTimeoutMs: 1_000 });
    await bus.provision(OEE_TOPICS);
    oee = await startService({ bus, db: database.db, schema: database.schema, now: () => NOW_MS });
    const all = plant.flatMap(events);
    await publishAll(bus, all);
    await waitUntil(async () => (await oee.handled()) >= all.length, {
      timeoutMs: 60_000,
      what: `${all.length} events handled`,
    });
  }, 120_000);

  afterAll(async () => {
    await oee.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  const storedShift = async (assetId: string) => {
    const results = await oee.service.store.results(assetId);
    const shift = results.find((result) => result.windowKind === OeeWindowKind.OEE_WINDOW_KIND_SHIFT);
    if (shift === undefined) throw new Error(`no shift window stored for ${assetId}`);
    return shift;
  };

  it("stores each one-product machine's shift as before: quality good / total", async () => {
    const [m1, m2] = plant;
    const first = await storedShift(m1?.id ?? '');
    expect(first.quality).toBeCloseTo(0.9, 12);
    expect(first.oee).toBeCloseTo(0.625, 12);
    const second = await storedShift(m2?.id ?? '');
    expect(second.quality).toBeCloseTo(0.99, 12);
    expect(second.oee).toBeCloseTo(0.6875, 12);
  });

  it('stores the shift of a machine making a 0.5 s and a 2 s product as good x ideal cycle time / PBT', async () => {
    const shift = await storedShift(plant[2]?.id ?? '');
    expect(shift.plannedBusyTimeS).toBe(28_800);
    expect(shift.idealProductionTimeS).toBe(20_000);
    expect(shift.quality).toBeCloseTo(18_900 / 20_000, 12);
    expect(shift.oee).toBeCloseTo(18_900 / 28_800, 12);
    const apq = (shift.availability ?? NaN) * (shift.performance ?? NaN) * (shift.quality ?? NaN);
    expect(apq).toBeCloseTo(18_900 / 28_800, 12);
  });

  it("rolls the line's stored shifts up by ideal time through the analysts' view", async () => {
    const [m1, m2] = plant;
    const view = `"${analyticsSchemaName(database.schema)}".oee_by_shift`;
    const { rows } = await database.db.query<{
      availability: number;
      performance: number;
      quality: number;
      oee: number;
    }>(
      `SELECT sum(run_time_s) / nullif(sum(planned_busy_time_s), 0) AS availability,
              sum(ideal_production_time_s) / nullif(sum(run_time_s), 0) AS performance,
              sum(good_ideal_time_s) / nullif(sum(ideal_production_time_s), 0) AS quality,
              sum(good_ideal_time_s) / nullif(sum(planned_busy_time_s), 0) AS oee
         FROM ${view}
        WHERE asset_id = ANY($1::text[])`,
      [[m1?.id, m2?.id]],
    );
    const [line] = rows;
    expect(line?.availability).toBeCloseTo(54_000 / 57_600, 12);
    expect(line?.performance).toBeCloseTo(40_000 / 54_000, 12);
    expect(line?.quality).toBeCloseTo(0.945, 12);
    expect(line?.oee).toBeCloseTo(0.65625, 12);
  });
});
