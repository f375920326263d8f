// A line's OEE through REST by ideal time (issue 15, defect 2): a 0.5 s machine (its own ideal cycle time, set
// through PUT /api/v1/assets) and a 2 s machine (its order's), posted as events, consumed by the OEE service into
// PostgreSQL and read back for the line and its area, worked by hand:
//   shift 06:00-14:00, no breaks: PBT 28,800 s a machine, 57,600 s the line
//   press-1, 0.5 s: runs throughout; 40,000 parts, 36,000 good: ideal 20,000 s, good ideal 18,000 s
//   press-2, 2 s: breakdown 09:00-10:00 (APT 25,200 s); 10,000 parts, 9,900 good: ideal 20,000 s, good ideal 19,800 s
//   line: A = 54,000 / 57,600 = 0.9375, P = 40,000 / 54,000, Q = 37,800 / 40,000 = 0.945,
//         OEE = A x P x Q = 37,800 / 57,600 = 0.65625 (counting parts alike: Q = 0.918, OEE = 0.6375)
import { describeWith, waitUntil } from '@kiln/test-infra';
import { gatewaySectionSchema } from '../../src/config';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const AREA = 'acme/plant-1/mixed';
const LINE = `${AREA}/line-1`;
const FAST = `${LINE}/press-1`;
const SLOW = `${LINE}/press-2`;
const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2026, 2, 3, 6);
const at = (hours: number, minutes = 0): string =>
  new Date(START_MS + hours * HOUR_MS + minutes * 60_000).toISOString();

interface OeeJson {
  window: string;
  windowRef: string;
  plannedBusyTimeS: number;
  actualProductionTimeS: number;
  totalCount: number;
  goodCount: number;
  idealProductionTimeS: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  rollUpBasis: string;
}

function expectLine(result: OeeJson | undefined): void {
  expect(result).toMatchObject({
    plannedBusyTimeS: 57_600,
    actualProductionTimeS: 54_000,
    totalCount: 50_000,
    goodCount: 45_900,
    idealProductionTimeS: 40_000,
    rollUpBasis: 'ideal-time',
  });
  expect(result?.availability).toBeCloseTo(0.9375, 12);
  expect(result?.performance).toBeCloseTo(40_000 / 54_000, 12);
  expect(result?.quality).toBeCloseTo(0.945, 12);
  expect(result?.oee).toBeCloseTo(0.65625, 12);
}

describeWith(['postgres', 'redis'], 'a line of a 0.5 s and a 2 s machine through REST', () => {
  let h: RestHarness;
  const oee = async (assetId: string, granularity: string): Promise<OeeJson[]> => {
    const response = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent(assetId)}&from=${at(0)}&to=${at(8)}&granularity=${granularity}`,
    );
    expect(response.statusCode).toBe(200);
    return response.json<{ results: OeeJson[] }>().results;
  };

  beforeAll(async () => {
    h = await restHarness({
      section: {
        limits: gatewaySectionSchema.parse({ limits: { liveEventWindow: { pastDays: 36_500 } } }).limits,
      },
    });
    for (const [id, level] of [
      ['acme', 'enterprise'],
      ['acme/plant-1', 'site'],
      [AREA, 'area'],
      [LINE, 'line'],
      [SLOW, 'asset'],
    ] as const) {
      expect((await h.call('PUT', assetPath(id), { body: { name: id, level } })).statusCode).toBe(200);
    }
    const fast = await h.call('PUT', assetPath(FAST), {
      body: { name: 'Press 1', level: 'asset', settings: { defaultIdealCycleTimeS: 0.5 } },
    });
    expect(fast.statusCode).toBe(200);
    const post = async (path: string, events: unknown[]): Promise<void> => {
      const response = await h.call('POST', `/api/v1/events/${path}`, { body: { events } });
      expect({ path, status: response.statusCode, body: response.json() }).toMatchObject({ status: 202 });
    };
    await post(
      'shifts',
      [FAST, SLOW].map((assetId) => ({ assetId, shiftId: 'early', name: 'Early', start: at(0), end: at(8) })),
    );
    await post('orders', [
      {
        assetId: SLOW,
        orderId: 'PO-SLOW',
        status: 'COMPLETED',
        idealCycleTimeS: 2,
        targetQuantity: 10_000,
        actualStart: at(0),
        actualEnd: at(8),
      },
    ]);
    await post('machine-states', [
      { assetId: FAST, state: 'RUNNING', startTime: at(0) },
      { assetId: FAST, state: 'NO_ORDER', startTime: at(8) },
      { assetId: SLOW, state: 'RUNNING', startTime: at(0) },
      { assetId: SLOW, state: 'BREAKDOWN', startTime: at(3), reasonCode: 'E-1' },
      { assetId: SLOW, state: 'RUNNING', startTime: at(4) },
      { assetId: SLOW, state: 'NO_ORDER', startTime: at(8) },
    ]);
    // Stamped a minute before the hour: inside the shift whatever the rule for a count on its interval's end.
    await post('production-counts', [
      { assetId: FAST, time: at(6, 59), totalCount: 40_000, scrapCount: 4_000 },
      { assetId: SLOW, time: at(6, 59), totalCount: 10_000, scrapCount: 100 },
    ]);
    const expectedEvents = 2 + 1 + 6 + 1;
    await waitUntil(async () => (await h.handled()) >= expectedEvents, {
      timeoutMs: 60_000,
      what: `${expectedEvents} events handled by the OEE service`,
    });
  }, 120_000);

  afterAll(async () => {
    await h.stop();
  });

  it("keeps each machine's own figures", async () => {
    const [fast] = await oee(FAST, 'none');
    expect(fast?.quality).toBeCloseTo(0.9, 12);
    expect(fast?.oee).toBeCloseTo(0.625, 12);
    const [slow] = await oee(SLOW, 'none');
    expect(slow?.quality).toBeCloseTo(0.99, 12);
    expect(slow?.oee).toBeCloseTo(0.6875, 12);
  });

  it("gives the line's OEE as its machines' good output time over their planned busy time", async () => {
    const [line] = await oee(LINE, 'none');
    expectLine(line);
  });

  it('gives the same figures per shift and for the area above the line', async () => {
    const shifts = await oee(LINE, 'shift');
    expect(shifts).toHaveLength(1);
    expect(shifts[0]).toMatchObject({ window: 'shift', windowRef: 'early' });
    expectLine(shifts[0]);
    const [area] = await oee(AREA, 'none');
    expectLine(area);
  });

  it('sums the hours of the line to the same OEE', async () => {
    const hours = await oee(LINE, 'hour');
    expect(hours).toHaveLength(8);
    const pbt = hours.reduce((sum, hour) => sum + hour.plannedBusyTimeS, 0);
    const goodIdealTime = hours.reduce((sum, hour) => sum + (hour.oee ?? 0) * hour.plannedBusyTimeS, 0);
    expect(goodIdealTime / pbt).toBeCloseTo(0.65625, 12);
    // The hour with both machines' parts: 12:00-13:00, PBT 7,200 s, good ideal time 37,800 s.
    expect(hours[6]?.oee).toBeCloseTo(37_800 / 7_200, 12);
    expect(hours[6]?.quality).toBeCloseTo(0.945, 12);
  });

  it('caps the windows of a request, its machines together, with a 400 naming the limit', async () => {
    // Issue 18: the cap was per machine (10,000 windows), so a roll-up cost windows x machines, growing with the
    // plant. A year of hours is 8,760 windows: one machine's pass, the line's two machines' 17,520 do not.
    const year = `from=${new Date(START_MS - 365 * 24 * HOUR_MS).toISOString()}&to=${at(8)}&granularity=hour`;
    const one = await h.call('GET', `/api/v1/oee?assetId=${encodeURIComponent(FAST)}&${year}`);
    expect(one.statusCode).toBe(200);
    const line = await h.call('GET', `/api/v1/oee?assetId=${encodeURIComponent(LINE)}&${year}`);
    expect(line.statusCode).toBe(400);
    expect(line.json()).toMatchObject({
      field: 'granularity',
      detail:
        'the hour OEE of 2 machines over this range needs more than 10000 windows (windows x machines, ' +
        'gateway.limits.maxOeeWindows): ask a shorter range, a coarser granularity or a smaller part of the plant',
    });
    // Per day the same year is 730 windows.
    const days = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent(LINE)}&${year.replace('hour', 'day')}`,
    );
    expect(days.statusCode).toBe(200);
  });
});
