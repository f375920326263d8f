// Issue 15, part 1, through REST: a production count covers (intervalStart, time]. Posted as a client would, a
// shift's last count stamped at the shift end is that shift's, an hourly count at the hour is the hour's that ends
// there, and a count with its intervalStart straddling an hour is shared by time, in the on-request OEE.
import { describeWith, waitUntil } from '@kiln/test-infra';
import { gatewaySectionSchema } from '../../src/config';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const LINE = 'acme/plant-1/press/line-9';
const ASSET = `${LINE}/press-9`;
const MIN = 60_000_000;
const DAY_US = Date.UTC(2026, 2, 3) * 1000;
const at = (hours: number, minutes = 0): string =>
  new Date((DAY_US + (hours * 60 + minutes) * MIN) / 1000).toISOString();

interface Window {
  window: string;
  windowStart: string;
  totalCount: number;
}

describeWith(['postgres', 'redis'], 'count intervals through REST', () => {
  let h: RestHarness;
  let operator: string;
  const post = async (path: string, events: unknown[]) =>
    h.call('POST', `/api/v1/events/${path}`, { key: operator, body: { events } });

  beforeAll(async () => {
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
    operator = (await h.keys.create('acme/plant-1', 'operator')).token;
    const posted = [
      await post('shifts', [
        { assetId: ASSET, shiftId: 'early', name: 'Early', start: at(6), end: at(14), breaks: [] },
        { assetId: ASSET, shiftId: 'late', name: 'Late', start: at(14), end: at(22), breaks: [] },
      ]),
      await post('machine-states', [
        { assetId: ASSET, state: 'RUNNING', startTime: at(6) },
        { assetId: ASSET, state: 'NO_ORDER', startTime: at(22) },
      ]),
      await post('production-counts', [
        { assetId: ASSET, time: at(8), intervalStart: at(7), totalCount: 3600 },
        { assetId: ASSET, time: at(14), totalCount: 1000, scrapCount: 10 },
        { assetId: ASSET, time: at(15, 10), intervalStart: at(14, 50), totalCount: 600, scrapCount: 30 },
      ]),
    ];
    expect(posted.map((response) => response.statusCode)).toEqual([202, 202, 202]);
    // Two shifts, two states and one batch of the asset's counts.
    await waitUntil(async () => (await h.handled()) >= 2 + 2 + 1, {
      timeoutMs: 60_000,
      what: '5 events handled by the OEE service',
    });
  }, 120_000);

  afterAll(async () => {
    await h.stop();
  });

  const windows = async (granularity: string): Promise<Window[]> =>
    (
      await h.call(
        'GET',
        `/api/v1/oee?assetId=${encodeURIComponent(ASSET)}&from=${at(6)}&to=${at(22)}&granularity=${granularity}`,
      )
    ).json<{ results: Window[] }>().results;
  const totalAt = (list: Window[], start: string): number | undefined =>
    list.find((window) => window.windowStart === start)?.totalCount;

  it("books the shift's last count, stamped at the shift end, to that shift", async () => {
    const shifts = await windows('shift');
    expect(totalAt(shifts, at(6))).toBe(3600 + 1000);
    expect(totalAt(shifts, at(14))).toBe(600);
  });

  it('books an hourly count at the hour to the hour ending there and shares a straddling one by time', async () => {
    const hours = await windows('hour');
    expect(totalAt(hours, at(7))).toBe(3600);
    expect(totalAt(hours, at(8))).toBe(0);
    expect(totalAt(hours, at(13))).toBe(1000);
    expect(totalAt(hours, at(14))).toBeCloseTo(300, 9);
    expect(totalAt(hours, at(15))).toBeCloseTo(300, 9);
  });

  it('refuses an intervalStart after the time', async () => {
    const response = await post('production-counts', [
      { assetId: ASSET, time: at(16), intervalStart: at(16, 1), totalCount: 1 },
    ]);
    expect(response.json()).toMatchObject({ status: 400, field: 'events[0].intervalStart' });
  });
});
