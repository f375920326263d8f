// Sites in different time zones through REST against real PostgreSQL: PUT /api/v1/assets sets a site's IANA zone
// (refusing an unknown one by field and value), and the on-request OEE cuts each site's days at its own local
// midnight, daylight saving included, saying the zone in every result; times stay UTC.
import { credentials, status } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { failure, invoke } from '../grpc/support';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const HOUR_MS = 3_600_000;

interface Window {
  windowStart: string;
  windowEnd: string;
  timeZone: string | null;
}

describeWith(['postgres', 'redis'], 'REST time zones of sites', () => {
  let h: RestHarness;
  const put = (id: string, body: object) => h.call('PUT', assetPath(id), { body });

  beforeAll(async () => {
    h = await restHarness({ consume: false });
    const created = [
      await put('acme', { name: 'ACME', level: 'enterprise' }),
      await put('acme/berlin', { name: 'Berlin', level: 'site', timeZone: 'Europe/Berlin' }),
      await put('acme/chicago', { name: 'Chicago', level: 'site', timeZone: 'America/Chicago' }),
    ];
    for (const site of ['berlin', 'chicago']) {
      created.push(await put(`acme/${site}/press`, { name: 'Press', level: 'area' }));
      created.push(await put(`acme/${site}/press/line-1`, { name: 'Line 1', level: 'line' }));
      created.push(await put(`acme/${site}/press/line-1/m1`, { name: 'M1', level: 'asset' }));
    }
    expect(created.map((response) => response.statusCode)).toEqual(created.map(() => 200));
  });
  afterAll(async () => {
    await h.stop();
  });

  it('keeps the zone of a site and returns it', async () => {
    expect((await h.call('GET', assetPath('acme/berlin'))).json()).toMatchObject({
      level: 'site',
      timeZone: 'Europe/Berlin',
    });
    const changed = await put('acme/chicago', { name: 'Chicago', level: 'site' });
    expect(changed.json()).toMatchObject({ timeZone: 'America/Chicago' });
  });

  it('refuses an unknown zone, and a zone on anything but a site, naming the field and the value', async () => {
    const unknown = await put('acme/berlin', { name: 'Berlin', level: 'site', timeZone: 'Europe/Berlinn' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ status: 400, field: 'timeZone' });
    expect(unknown.json<{ detail: string }>().detail).toMatch(/"Europe\/Berlinn" is not an IANA time zone/);
    const onArea = await put('acme/berlin/press', {
      name: 'Press',
      level: 'area',
      timeZone: 'Europe/Berlin',
    });
    expect(onArea.statusCode).toBe(400);
    expect(onArea.json()).toMatchObject({ field: 'timeZone' });
    expect((await h.call('GET', assetPath('acme/berlin'))).json()).toMatchObject({
      timeZone: 'Europe/Berlin',
    });
  });

  it('sets and refuses a site zone through gRPC UpsertAsset, naming asset.time_zone', async () => {
    const client = new api.AssetServiceClient(h.grpcAddress, credentials.createInsecure());
    const upsert = (timeZone: string) =>
      invoke(
        client.upsertAsset.bind(client),
        api.UpsertAssetRequest.fromPartial({
          asset: { id: 'acme/vienna', name: 'Vienna', level: api.AssetLevel.ASSET_LEVEL_SITE, timeZone },
        }),
        h.adminKey,
      );
    try {
      expect((await upsert('Europe/Vienna')).asset).toMatchObject({ timeZone: 'Europe/Vienna' });
      const refused = await failure(upsert('Europe/Wien'));
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(refused.details).toMatch(/^asset\.time_zone: "Europe\/Wien" is not an IANA time zone/);
    } finally {
      client.close();
    }
  });

  it.each([
    ['acme/berlin/press/line-1/m1', '2026-03-29T10:00:00Z', '2026-03-28T23:00:00.000Z', 23, 'Europe/Berlin'],
    ['acme/berlin/press/line-1/m1', '2026-10-25T10:00:00Z', '2026-10-24T22:00:00.000Z', 25, 'Europe/Berlin'],
    ['acme/chicago/press/line-1', '2026-03-08T12:00:00Z', '2026-03-08T06:00:00.000Z', 23, 'America/Chicago'],
    [
      'acme/chicago/press/line-1/m1',
      '2026-11-01T12:00:00Z',
      '2026-11-01T05:00:00.000Z',
      25,
      'America/Chicago',
    ],
  ])(
    'cuts the day of %s around %s at local midnight %s (%d h)',
    async (assetId, inside, start, hours, zone) => {
      const from = inside;
      const to = new Date(Date.parse(inside) + HOUR_MS).toISOString();
      const response = await h.call(
        'GET',
        `/api/v1/oee?assetId=${encodeURIComponent(assetId)}&from=${from}&to=${to}&granularity=day`,
      );
      expect(response.statusCode).toBe(200);
      const [day] = response.json<{ results: Window[] }>().results;
      // The window is cut to the asked range; its zone says whose midnight began it.
      expect(day).toMatchObject({ windowStart: from.replace('Z', '.000Z'), timeZone: zone });
      const whole = await h.call(
        'GET',
        `/api/v1/oee?assetId=${encodeURIComponent(assetId)}&from=${start}&to=${new Date(
          Date.parse(start) + hours * HOUR_MS,
        ).toISOString()}&granularity=day`,
      );
      const days = whole.json<{ results: Window[] }>().results;
      expect(days.map((window) => [window.windowStart, window.windowEnd])).toEqual([
        [start, new Date(Date.parse(start) + hours * HOUR_MS).toISOString()],
      ]);
    },
  );
});
