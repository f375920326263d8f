// kiln.v1.OeeService with a real client against real PostgreSQL: the figures equal @kiln/oee's computeOee over the
// same states, counts and shifts (to 1e-9), for the whole range and for hours; the losses and the stop-time
// breakdown; live OEE streamed from the live store.
import { status } from '@grpc/grpc-js';
import { api, MachineState, OeeWindowKind, type OeeResult } from '@kiln/contracts';
import { computeOee, toOeeResult } from '@kiln/oee';
import { calendarShifts, readCalendarFile, settingsFor } from '@kiln/oee-store';
import { describeWith } from '@kiln/test-infra';
import { countDeltas, PRESS, seedPlant, SHIFT_END, SHIFT_START, stateChanges } from './fixture';
import {
  bearer,
  cancelled,
  failure,
  grpcHarness,
  insecure,
  invoke,
  messagesOf,
  ts,
  us,
  type GrpcHarness,
} from './support';

const FIGURES = [
  'calendarTimeS',
  'plannedBusyTimeS',
  'actualProductionTimeS',
  'unplannedStopTimeS',
  'offlineTimeS',
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
  'mtbfS',
  'mttrS',
] as const satisfies readonly (keyof OeeResult)[];

/** Every figure and loss within 1e-9; a figure absent in one is absent in the other. */
function expectSameFigures(actual: OeeResult | undefined, expected: OeeResult): void {
  if (actual === undefined) throw new Error('no result');
  expect([actual.windowKind, actual.windowStartUs, actual.windowEndUs]).toEqual([
    expected.windowKind,
    expected.windowStartUs,
    expected.windowEndUs,
  ]);
  const off = (a: number | undefined, e: number | undefined): boolean =>
    a === undefined || e === undefined ? a !== e : Math.abs(a - e) > 1e-9;
  const differing = FIGURES.filter((field) => off(actual[field], expected[field]));
  const losses = Object.entries(expected.losses ?? {}).filter(([key, value]) =>
    off((actual.losses as unknown as Record<string, number> | undefined)?.[key], value as number),
  );
  expect({ differing, losses }).toEqual({ differing: [], losses: [] });
}

describeWith(['postgres'], 'gRPC OeeService', () => {
  let h: GrpcHarness;
  let oee: api.OeeServiceClient;
  let expectedOf: (fromIso: string, toIso: string, kind: OeeWindowKind) => OeeResult;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    oee = new api.OeeServiceClient(h.address, insecure());
    const file = h.oeeSection.calendarFile;
    const calendar = file === undefined ? undefined : readCalendarFile(file)[0];
    if (calendar === undefined) throw new Error('the harness has no calendar');
    const shifts = calendarShifts(
      calendar,
      { fromUs: us('2026-03-01T00:00:00Z'), toUs: us('2026-03-04T00:00:00Z') },
      0,
    );
    const settings = settingsFor(PRESS, h.oeeSection.settings);
    expectedOf = (fromIso, toIso, kind) =>
      toOeeResult(
        computeOee({
          range: { fromUs: us(fromIso), toUs: us(toIso) },
          states: stateChanges,
          counts: countDeltas,
          orders: [],
          shifts,
          settings,
        }),
        { assetId: PRESS, windowKind: kind, windowRef: '', revision: 0, computedTimeUs: 0 },
      );
  });

  afterAll(async () => {
    oee?.close();
    await h?.stop();
  });

  const getOee = (granularity: OeeWindowKind, key: string) =>
    invoke(
      oee.getOee.bind(oee),
      { assetId: PRESS, startTime: ts(SHIFT_START), endTime: ts(SHIFT_END), granularity },
      key,
    );

  it('computes the range as one window equal to computeOee over the same inputs', async () => {
    for (const granularity of [
      OeeWindowKind.OEE_WINDOW_KIND_RANGE,
      OeeWindowKind.OEE_WINDOW_KIND_UNSPECIFIED,
    ]) {
      const { windows } = await getOee(granularity, h.keys.plant1Reader);
      expect(windows).toHaveLength(1);
      expectSameFigures(windows[0], expectedOf(SHIFT_START, SHIFT_END, OeeWindowKind.OEE_WINDOW_KIND_RANGE));
    }
    const { windows } = await getOee(OeeWindowKind.OEE_WINDOW_KIND_RANGE, h.keys.plant1Reader);
    // The fixture is not trivial: stops, a break, scrap.
    expect(windows[0]?.availability).toBeGreaterThan(0.8);
    expect(windows[0]?.availability).toBeLessThan(1);
    expect(windows[0]?.microStopCount).toBe(1);
  });

  it('cuts the range into hours, each equal to computeOee of that hour', async () => {
    const { windows } = await getOee(OeeWindowKind.OEE_WINDOW_KIND_HOUR, h.keys.plant1Reader);
    expect(windows).toHaveLength(8);
    windows.forEach((window, i) => {
      const from = new Date(Date.parse(SHIFT_START) + i * 3_600_000).toISOString();
      const to = new Date(Date.parse(SHIFT_START) + (i + 1) * 3_600_000).toISOString();
      expectSameFigures(window, expectedOf(from, to, OeeWindowKind.OEE_WINDOW_KIND_HOUR));
    });
  });

  it('answers the six big losses of the range with the unplanned stop time by state and reason', async () => {
    const losses = await invoke(
      oee.getLosses.bind(oee),
      { assetId: PRESS, startTime: ts(SHIFT_START), endTime: ts(SHIFT_END) },
      h.keys.plant1Reader,
    );
    const { windows } = await getOee(OeeWindowKind.OEE_WINDOW_KIND_RANGE, h.keys.plant1Reader);
    const range = windows[0];
    if (range === undefined || losses.result === undefined) throw new Error('no result');
    expect({ ...losses.result, computedTimeUs: 0 }).toEqual({ ...range, computedTimeUs: 0 });
    expect(losses.result.losses?.breakdownS).toBeGreaterThan(0);
    expect(losses.stopBreakdown).toEqual([
      {
        state: MachineState.MACHINE_STATE_BREAKDOWN,
        reasonCode: 'M-01',
        reasonText: 'motor overload',
        stopTimeS: 1200,
        stopCount: 1,
        microStops: false,
      },
      {
        state: MachineState.MACHINE_STATE_CHANGEOVER,
        reasonCode: 'C-02',
        reasonText: 'die change',
        stopTimeS: 900,
        stopCount: 1,
        microStops: false,
      },
      {
        state: MachineState.MACHINE_STATE_UNKNOWN_STOP,
        reasonCode: '',
        reasonText: '',
        stopTimeS: 300,
        stopCount: 1,
        microStops: false,
      },
      {
        state: MachineState.MACHINE_STATE_UNSPECIFIED,
        reasonCode: '',
        reasonText: '',
        stopTimeS: 60,
        stopCount: 1,
        microStops: true,
      },
    ]);
  });

  it('refuses OEE of another site and of a range longer than the cap', async () => {
    const other = await failure(getOee(OeeWindowKind.OEE_WINDOW_KIND_RANGE, h.keys.plant2Reader));
    expect(other.code).toBe(status.PERMISSION_DENIED);
    const long = await failure(
      invoke(
        oee.getLosses.bind(oee),
        { assetId: PRESS, startTime: ts('2025-01-01T00:00:00Z'), endTime: ts('2026-03-01T00:00:00Z') },
        h.keys.plant1Reader,
      ),
    );
    expect(long.code).toBe(status.OUT_OF_RANGE);
  });

  it('streams live OEE of the followed window kinds whenever a result is recomputed, until cancelled', async () => {
    const liveResult = (kind: OeeWindowKind, computedTimeUs: number): OeeResult => ({
      ...expectedOf('2026-03-02T13:00:00Z', '2026-03-02T13:30:00Z', kind),
      computedTimeUs,
    });
    await h.live.set(liveResult(OeeWindowKind.OEE_WINDOW_KIND_HOUR, 1));
    const stream = oee.streamLiveOee(
      { assetIds: [PRESS], windowKinds: [OeeWindowKind.OEE_WINDOW_KIND_HOUR] },
      bearer(h.keys.plant1Reader),
    );
    const messages = messagesOf(stream);
    const first = await messages.next();
    expect(first.results.map((r) => [r.windowKind, r.computedTimeUs])).toEqual([
      [OeeWindowKind.OEE_WINDOW_KIND_HOUR, 1],
    ]);
    await h.live.set(liveResult(OeeWindowKind.OEE_WINDOW_KIND_DAY, 2));
    await h.live.set(liveResult(OeeWindowKind.OEE_WINDOW_KIND_HOUR, 3));
    const second = await messages.next();
    expect(second.results.map((r) => [r.windowKind, r.computedTimeUs])).toEqual([
      [OeeWindowKind.OEE_WINDOW_KIND_HOUR, 3],
    ]);
    expect(await cancelled(stream)).toBe(status.CANCELLED);
  });

  it('refuses a live stream without assets', async () => {
    const stream = oee.streamLiveOee({ assetIds: [], windowKinds: [] }, bearer(h.keys.plant1Reader));
    const error = await messagesOf(stream)
      .next()
      .then(
        () => undefined,
        (e: { code: number }) => e,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
  });
});
