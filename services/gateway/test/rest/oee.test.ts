// OEE posted as canonical events through REST (shift, order, states, counts), consumed by the OEE service over
// the bus into PostgreSQL, read back through REST for the whole range and per hour and shift: every figure equal
// to the OEE core over the same input, to 1e-9. Also live OEE from Redis, and a reader that may not post.
import { credentials } from '@grpc/grpc-js';
import { api, MachineState, OeeWindowKind } from '@kiln/contracts';
import { computeOee, rollUp, type OeeComputation } from '@kiln/oee';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { invoke, ts } from '../grpc/support';
import { gatewaySectionSchema } from '../../src/config';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const LINE = 'acme/plant-1/press/line-1';
const ASSET = `${LINE}/press-1`;
/** No order, its own ideal cycle time set through PUT /api/v1/assets. */
const ASSET2 = `${LINE}/press-2`;
const ASSET2_IDEAL_S = 0.9;
const MIN = 60_000_000;
const START_US = Date.UTC(2026, 2, 2, 6) * 1000;
const at = (minutes: number): string => new Date((START_US + minutes * MIN) / 1000).toISOString();
const S = MachineState;

const STATES: [number, keyof typeof MachineState, string][] = [
  [0, 'MACHINE_STATE_RUNNING', ''],
  [47, 'MACHINE_STATE_BREAKDOWN', 'E-12'],
  [95, 'MACHINE_STATE_RUNNING', ''],
  [150, 'MACHINE_STATE_IDLE', ''],
  [151, 'MACHINE_STATE_RUNNING', ''],
  [240, 'MACHINE_STATE_PLANNED_STOP', 'BREAK'],
  [270, 'MACHINE_STATE_CHANGEOVER', ''],
  [290, 'MACHINE_STATE_RUNNING', ''],
  [480, 'MACHINE_STATE_NO_ORDER', ''],
];
const stateName = (key: keyof typeof MachineState): string => key.replace('MACHINE_STATE_', '');
const COUNTS = Array.from({ length: 48 }, (_, i) => ({
  minute: i * 10 + 9,
  total: 540 + (i % 4),
  scrap: 3 + (i % 3),
}));

/** The core over exactly what the test posted. */
function reference(fromUs: number, toUs: number, assetId = ASSET): OeeComputation {
  if (assetId === ASSET2) {
    const first = reference(fromUs, toUs);
    return computeOee({
      range: { fromUs, toUs },
      states: STATES.map(([minute, state, reason]) => ({
        startUs: START_US + minute * MIN,
        state: S[state],
        reasonCode: reason,
        reasonText: '',
      })),
      counts: COUNTS.map((count) => ({
        timeUs: START_US + count.minute * MIN,
        totalCount: count.total - 40,
        goodCount: count.total - 40 - count.scrap,
        scrapCount: count.scrap,
      })),
      orders: [],
      shifts: [
        {
          shiftId: 'early',
          startUs: START_US,
          endUs: START_US + 480 * MIN,
          breaks: [{ startUs: START_US + 240 * MIN, endUs: START_US + 270 * MIN }],
        },
      ],
      settings: { ...first.settings, defaultIdealCycleTimeS: ASSET2_IDEAL_S },
    });
  }
  return computeOee({
    range: { fromUs, toUs },
    states: STATES.map(([minute, state, reason]) => ({
      startUs: START_US + minute * MIN,
      state: S[state],
      reasonCode: reason,
      reasonText: '',
    })),
    counts: COUNTS.map((count) => ({
      timeUs: START_US + count.minute * MIN,
      totalCount: count.total,
      goodCount: count.total - count.scrap,
      scrapCount: count.scrap,
    })),
    orders: [{ orderId: 'PO-1', startUs: START_US, endUs: START_US + 480 * MIN, idealCycleTimeS: 0.95 }],
    shifts: [
      {
        shiftId: 'early',
        startUs: START_US,
        endUs: START_US + 480 * MIN,
        breaks: [{ startUs: START_US + 240 * MIN, endUs: START_US + 270 * MIN }],
      },
    ],
    // The OEE service's defaults (oeeSectionSchema): 1 s ideal cycle time where no order gives one.
    settings: { defaultIdealCycleTimeS: 1 },
  });
}

const FIGURES = [
  'calendarTimeS',
  'plannedBusyTimeS',
  'actualProductionTimeS',
  'unplannedStopTimeS',
  'microStopCount',
  'microStopTimeS',
  'totalCount',
  'goodCount',
  'scrapCount',
  'idealProductionTimeS',
  'availability',
  'performance',
  'quality',
  'oee',
  'teep',
] as const;

function expectFigures(actual: Record<string, unknown>, expected: OeeComputation): void {
  for (const key of FIGURES) {
    const value = expected[key];
    expect({ key, value: actual[key] }).toEqual({
      key,
      value: value === undefined ? null : expect.closeTo(value, 9),
    });
  }
  const losses = actual['losses'] as Record<string, number>;
  for (const [key, value] of Object.entries(expected.losses)) {
    expect({ key, value: losses[key] }).toEqual({ key, value: expect.closeTo(value, 9) });
  }
}

describeWith(['postgres', 'redis'], 'OEE through REST', () => {
  let h: RestHarness;
  beforeAll(async () => {
    // The posted shift lies in the past for good: accept event times up to a century old (live ones too).
    h = await restHarness({
      section: {
        limits: gatewaySectionSchema.parse({ limits: { liveEventWindow: { pastDays: 36_500 } } }).limits,
      },
    });
    for (const [id, level] of [
      ['acme', 'enterprise'],
      ['acme/plant-1', 'site'],
      ['acme/plant-1/press', 'area'],
      [LINE, 'line'],
      [ASSET, 'asset'],
    ] as const) {
      expect((await h.call('PUT', assetPath(id), { body: { name: id, level } })).statusCode).toBe(200);
    }
    const second = await h.call('PUT', assetPath(ASSET2), {
      body: { name: 'Press 2', level: 'asset', settings: { defaultIdealCycleTimeS: ASSET2_IDEAL_S } },
    });
    expect(second.statusCode).toBe(200);
    const operator = (await h.keys.create('acme/plant-1', 'operator')).token;
    const post = async (path: string, events: unknown[]): Promise<void> => {
      const response = await h.call('POST', `/api/v1/events/${path}`, { key: operator, body: { events } });
      expect({ path, status: response.statusCode, body: response.json() }).toMatchObject({ status: 202 });
    };
    await post('shifts', [
      {
        assetId: ASSET2,
        shiftId: 'early',
        name: 'Early',
        start: at(0),
        end: at(480),
        breaks: [{ start: at(240), end: at(270) }],
      },
      {
        assetId: ASSET,
        shiftId: 'early',
        name: 'Early',
        start: at(0),
        end: at(480),
        breaks: [{ start: at(240), end: at(270) }],
      },
    ]);
    await post('orders', [
      {
        assetId: ASSET,
        orderId: 'PO-1',
        status: 'COMPLETED',
        idealCycleTimeS: 0.95,
        targetQuantity: 30_000,
        actualStart: at(0),
        actualEnd: at(480),
      },
    ]);
    await post(
      'machine-states',
      [ASSET, ASSET2].flatMap((assetId) =>
        STATES.map(([minute, state, reason]) => ({
          assetId,
          state: stateName(state),
          startTime: at(minute),
          reasonCode: reason,
        })),
      ),
    );
    await post('production-counts', [
      ...COUNTS.map((count) => ({
        assetId: ASSET,
        time: at(count.minute),
        totalCount: count.total,
        scrapCount: count.scrap,
      })),
      ...COUNTS.map((count) => ({
        assetId: ASSET2,
        time: at(count.minute),
        totalCount: count.total - 40,
        scrapCount: count.scrap,
      })),
    ]);
    const expectedEvents = 2 + 1 + 2 * STATES.length + 2;
    await waitUntil(async () => (await h.handled()) >= expectedEvents, {
      timeoutMs: 60_000,
      what: `${expectedEvents} events handled by the OEE service`,
    });
  }, 120_000);
  afterAll(async () => {
    await h.stop();
  });

  it('gives the figures of the core for the whole range', async () => {
    const response = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=${at(0)}&to=${at(480)}`,
    );
    expect(response.statusCode).toBe(200);
    const [result] = response.json<{ results: Record<string, unknown>[] }>().results;
    expect(result).toMatchObject({ assetId: ASSET, window: 'range', windowStart: at(0), windowEnd: at(480) });
    expectFigures(result ?? {}, reference(START_US, START_US + 480 * MIN));
  });

  it('gives the figures of the core per hour and per shift, also for a range cutting through them', async () => {
    const hours = (
      await h.call(
        'GET',
        `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=${at(0)}&to=${at(480)}&granularity=hour`,
      )
    ).json<{ results: Record<string, unknown>[] }>().results;
    expect(hours).toHaveLength(8);
    hours.forEach((hour, i) =>
      expectFigures(hour, reference(START_US + i * 60 * MIN, START_US + (i + 1) * 60 * MIN)),
    );
    const shifts = (
      await h.call(
        'GET',
        `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=${at(30)}&to=${at(600)}&granularity=shift`,
      )
    ).json<{ results: Record<string, unknown>[] }>().results;
    expect(shifts).toHaveLength(1);
    expect(shifts[0]).toMatchObject({
      window: 'shift',
      windowRef: 'early',
      windowStart: at(30),
      windowEnd: at(480),
    });
    expectFigures(shifts[0] ?? {}, reference(START_US + 30 * MIN, START_US + 480 * MIN));
  });

  it('gives the same figures through gRPC for events posted through REST', async () => {
    const client = new api.OeeServiceClient(h.grpcAddress, credentials.createInsecure());
    try {
      const getOee = (granularity: OeeWindowKind) =>
        invoke(
          client.getOee.bind(client),
          { assetId: ASSET, startTime: ts(at(0)), endTime: ts(at(480)), granularity },
          h.adminKey,
        );
      const [whole] = (await getOee(OeeWindowKind.OEE_WINDOW_KIND_RANGE)).windows;
      expectFigures(
        { ...whole, losses: whole?.losses } as Record<string, unknown>,
        reference(START_US, START_US + 480 * MIN),
      );
      const hours = (await getOee(OeeWindowKind.OEE_WINDOW_KIND_HOUR)).windows;
      expect(hours).toHaveLength(8);
      hours.forEach((hour, i) =>
        expectFigures(
          hour as unknown as Record<string, unknown>,
          reference(START_US + i * 60 * MIN, START_US + (i + 1) * 60 * MIN),
        ),
      );
    } finally {
      client.close();
    }
  });

  it("uses an asset's own ideal cycle time and rolls a line up from its assets' times and counts", async () => {
    const query = (assetId: string, granularity: string): string =>
      `/api/v1/oee?assetId=${encodeURIComponent(assetId)}&from=${at(0)}&to=${at(480)}&granularity=${granularity}`;
    const [second] = (await h.call('GET', query(ASSET2, 'none'))).json<{
      results: Record<string, unknown>[];
    }>().results;
    expect(second).toMatchObject({ settings: { defaultIdealCycleTimeS: ASSET2_IDEAL_S } });
    expectFigures(second ?? {}, reference(START_US, START_US + 480 * MIN, ASSET2));
    const lineResponse = await h.call('GET', query(LINE, 'none'));
    expect(lineResponse.statusCode).toBe(200);
    const [line] = lineResponse.json<{ results: Record<string, unknown>[] }>().results;
    const whole = (assetId: string) => reference(START_US, START_US + 480 * MIN, assetId);
    expect(line).toMatchObject({ assetId: LINE, window: 'range', settings: null });
    expectFigures(line ?? {}, {
      ...rollUp([whole(ASSET), whole(ASSET2)]),
      settings: whole(ASSET).settings,
    } as never);
    const hours = (await h.call('GET', query(LINE, 'hour'))).json<{ results: Record<string, unknown>[] }>()
      .results;
    expect(hours).toHaveLength(8);
    hours.forEach((hour, i) => {
      const part = (assetId: string) =>
        reference(START_US + i * 60 * MIN, START_US + (i + 1) * 60 * MIN, assetId);
      expectFigures(hour, {
        ...rollUp([part(ASSET), part(ASSET2)]),
        settings: part(ASSET).settings,
      } as never);
    });
  });

  it('serves the live OEE of the open hour that the OEE service keeps in Redis', async () => {
    const nowMs = Date.now();
    const before = await h.handled();
    const recent = (minutesAgo: number): string => new Date(nowMs - minutesAgo * 60_000).toISOString();
    const posted = await h.call('POST', '/api/v1/events/production-counts', {
      body: { events: [{ assetId: ASSET, time: recent(1), totalCount: 42, scrapCount: 2 }] },
    });
    expect(posted.statusCode).toBe(202);
    await waitUntil(async () => (await h.handled()) > before, {
      timeoutMs: 30_000,
      what: 'the live count handled',
    });
    await waitUntil(
      async () => {
        const live = (await h.call('GET', `/api/v1/oee/live?assetId=${encodeURIComponent(ASSET)}`)).json<{
          results: { window: string; totalCount: number; goodCount: number }[];
        }>();
        const hour = live.results.find((result) => result.window === 'hour');
        return hour?.totalCount === 42 && hour.goodCount === 40;
      },
      { timeoutMs: 30_000, what: 'the live hour to count the parts' },
    );
  });

  it('refuses a reader posting, another site, a range over the cap and a bad granularity', async () => {
    const reader = (await h.keys.create('acme/plant-1', 'reader')).token;
    const stranger = (await h.keys.create('acme/plant-2', 'admin')).token;
    const event = { assetId: ASSET, state: 'RUNNING', startTime: at(500) };
    const posted = await h.call('POST', '/api/v1/events/machine-states', {
      key: reader,
      body: { events: [event] },
    });
    expect(posted.statusCode).toBe(403);
    const elsewhere = await h.call('POST', '/api/v1/events/machine-states', {
      key: stranger,
      body: { events: [event] },
    });
    expect(elsewhere.statusCode).toBe(403);
    const query = `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=${at(0)}&to=${at(480)}`;
    expect((await h.call('GET', query, { key: stranger })).statusCode).toBe(403);
    expect((await h.call('GET', query, { key: reader })).statusCode).toBe(200);
    const long = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ type: expect.stringMatching(/out-of-range$/), field: 'to' });
    const badGranularity = await h.call('GET', `${query}&granularity=week`);
    expect(badGranularity.json()).toMatchObject({ status: 400, field: 'granularity' });
    const injected = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent("a' OR '1'='1")}&from=${at(0)}&to=${at(60)}`,
    );
    expect(injected.json()).toMatchObject({ status: 400, field: 'assetId' });
    const badTime = await h.call(
      'GET',
      `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=yesterday&to=${at(60)}`,
    );
    expect(badTime.json()).toMatchObject({ status: 400, field: 'from' });
  });

  it('validates posted events and names the bad field', async () => {
    const response = await h.call('POST', '/api/v1/events/production-counts', {
      body: {
        events: [
          { assetId: ASSET, time: at(10), totalCount: 5 },
          { assetId: ASSET, time: 'soon', totalCount: -1 },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    const problem = response.json<{ field: string; issues: { field: string }[] }>();
    expect(problem.issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['events[1].time', 'events[1].totalCount']),
    );
    const empty = await h.call('POST', '/api/v1/events/shifts', { body: { events: [] } });
    expect(empty.statusCode).toBe(400);
  });
});
