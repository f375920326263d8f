// Telemetry and machine states over REST against real PostgreSQL: bucketed aggregates as JSON and CSV equal to
// what was stored, latest values, caps on range and buckets; the state timeline and stops in pages; a stop reason
// posted by an operator reaches the stored state through the bus and the OEE service's historian writer.
import { describeWith, waitUntil } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const ASSET = 'acme/plant-1/line-1/m1';
const T0_US = Date.UTC(2026, 2, 2, 6) * 1000;
const SECOND = 1_000_000;
const iso = (us: number): string => new Date(us / 1000).toISOString();

describeWith(['postgres', 'redis'], 'REST telemetry and states', () => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await restHarness();
    for (const [id, level] of [
      ['acme', 'enterprise'],
      ['acme/plant-1', 'site'],
      ['acme/plant-1/line-1', 'area'],
      [ASSET, 'asset'],
    ] as const) {
      await h.call('PUT', assetPath(id), { body: { name: id, level } });
    }
    const writer = new HistorianWriter(h.database.db, { schema: h.database.schema });
    // 10 minutes of one sample a second: value = minute * 10 + second / 60.
    await writer.writeNamedTelemetry(
      Array.from({ length: 600 }, (_, i) => ({
        signal: { assetId: ASSET, name: 'temperature', unit: 'Cel' },
        timeUs: T0_US + i * SECOND,
        value: Math.floor(i / 60) * 10 + (i % 60) / 60,
        valueText: null,
        quality: 1,
      })),
    );
    await writer.writeStates(
      [0, 100, 130, 300, 310, 400].map((second, i) => ({
        assetId: ASSET,
        timeUs: T0_US + second * SECOND,
        state: i % 2 === 0 ? 'RUNNING' : i === 1 ? 'BREAKDOWN' : 'UNKNOWN_STOP',
      })),
    );
  });
  afterAll(async () => {
    await h.stop();
  });

  const telemetryUrl = (query: string): string =>
    `/api/v1/telemetry?signal=${encodeURIComponent(`${ASSET}/temperature`)}&${query}`;

  it('returns one bucket a minute with the stored aggregates, as JSON and as CSV', async () => {
    const response = await h.call(
      'GET',
      telemetryUrl(`from=${iso(T0_US)}&to=${iso(T0_US + 600 * SECOND)}&bucket=1m`),
    );
    expect(response.statusCode).toBe(200);
    const [series] = response.json<{ series: { signal: string; buckets: Record<string, unknown>[] }[] }>()
      .series;
    expect(series?.buckets).toHaveLength(10);
    series?.buckets.forEach((bucket, minute) => {
      expect(bucket).toEqual({
        start: iso(T0_US + minute * 60 * SECOND),
        avg: expect.closeTo(minute * 10 + 59 / 120, 9),
        min: minute * 10,
        max: expect.closeTo(minute * 10 + 59 / 60, 9),
        last: expect.closeTo(minute * 10 + 59 / 60, 9),
        count: 60,
      });
    });
    const csv = await h.call(
      'GET',
      telemetryUrl(`from=${iso(T0_US)}&to=${iso(T0_US + 120 * SECOND)}&bucket=1m&agg=min&agg=count`),
      {
        headers: { accept: 'text/csv' },
      },
    );
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.trim().split('\r\n')).toEqual([
      'signal,bucket_start,avg,min,max,last,count',
      `${ASSET}/temperature,${iso(T0_US)},,0,,,60`,
      `${ASSET}/temperature,${iso(T0_US + 60 * SECOND)},,10,,,60`,
    ]);
  });

  it('returns the latest value and refuses oversized or malformed queries naming the field', async () => {
    const latest = await h.call(
      'GET',
      `/api/v1/telemetry/latest?signal=${encodeURIComponent(`${ASSET}/temperature`)}`,
    );
    expect(latest.json()).toEqual({
      values: [
        {
          signal: `${ASSET}/temperature`,
          time: iso(T0_US + 599 * SECOND),
          value: expect.closeTo(90 + 59 / 60, 9),
          valueText: null,
          quality: 'good',
        },
      ],
    });
    const tooMany = await h.call(
      'GET',
      telemetryUrl('from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=1s'),
    );
    expect(tooMany.json()).toMatchObject({ status: 400, field: 'bucket' });
    const tooLong = await h.call(
      'GET',
      telemetryUrl('from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=1d'),
    );
    expect(tooLong.json()).toMatchObject({ status: 400, field: 'to' });
    const badBucket = await h.call(
      'GET',
      telemetryUrl(`from=${iso(T0_US)}&to=${iso(T0_US + SECOND)}&bucket=1;DROP`),
    );
    expect(badBucket.json()).toMatchObject({ status: 400, field: 'bucket' });
    const badSignal = await h.call('GET', `/api/v1/telemetry/latest?signal=${encodeURIComponent("m1/t'--")}`);
    expect(badSignal.json()).toMatchObject({ status: 400, field: 'signal[0]' });
    const latestUrl = (maxAge: string) =>
      `/api/v1/telemetry/latest?signal=${encodeURIComponent(`${ASSET}/temperature`)}&maxAgeMs=${maxAge}`;
    expect((await h.call('GET', latestUrl('0'))).json()).toEqual(latest.json());
    for (const maxAge of ['-1', '60001', '1.5', 'soon']) {
      expect((await h.call('GET', latestUrl(maxAge))).json()).toMatchObject({
        status: 400,
        field: 'maxAgeMs',
      });
    }
    const badAgg = await h.call(
      'GET',
      telemetryUrl(`from=${iso(T0_US)}&to=${iso(T0_US + SECOND)}&agg=median`),
    );
    expect(badAgg.json()).toMatchObject({ status: 400, field: 'agg' });
    const otherSite = (await h.keys.create('acme/plant-2', 'reader')).token;
    const refused = await h.call('GET', telemetryUrl(`from=${iso(T0_US)}&to=${iso(T0_US + SECOND)}`), {
      key: otherSite,
    });
    expect(refused.statusCode).toBe(403);
  });

  it('pages through the state timeline and lists stops with stable ids', async () => {
    const range = `assetId=${encodeURIComponent(ASSET)}&from=${iso(T0_US + 50 * SECOND)}&to=${iso(T0_US + 350 * SECOND)}`;
    const first = (await h.call('GET', `/api/v1/states?${range}&pageSize=2`)).json<{
      items: { state: string; start: string; end: string | null; durationS: number | null }[];
      nextCursor?: string;
    }>();
    expect(first.items).toEqual([
      expect.objectContaining({
        state: 'RUNNING',
        start: iso(T0_US),
        end: iso(T0_US + 100 * SECOND),
        durationS: 100,
      }),
      expect.objectContaining({ state: 'BREAKDOWN', start: iso(T0_US + 100 * SECOND), durationS: 30 }),
    ]);
    const second = (
      await h.call(
        'GET',
        `/api/v1/states?${range}&pageSize=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
      )
    ).json<{ items: { state: string }[]; nextCursor?: string }>();
    expect(second.items.map((item) => item.state)).toEqual(['RUNNING', 'UNKNOWN_STOP']);
    const stops = (await h.call('GET', `/api/v1/stops?${range}`)).json<{
      items: { stopId: string; state: string }[];
    }>();
    expect(stops.items.map((stop) => [stop.stopId, stop.state])).toEqual([
      [`${ASSET}@${T0_US + 100 * SECOND}`, 'BREAKDOWN'],
      [`${ASSET}@${T0_US + 300 * SECOND}`, 'UNKNOWN_STOP'],
    ]);
  });

  it('applies an operator reason to a stop and refuses readers and unknown stops', async () => {
    const stopId = `${ASSET}@${T0_US + 300 * SECOND}`;
    const url = `/api/v1/stops/${encodeURIComponent(stopId)}/reason`;
    const reader = (await h.keys.create('acme/plant-1', 'reader')).token;
    expect((await h.call('POST', url, { key: reader, body: { reasonCode: 'JAM' } })).statusCode).toBe(403);
    const missing = `/api/v1/stops/${encodeURIComponent(`${ASSET}@${T0_US + 5 * SECOND}`)}/reason`;
    expect((await h.call('POST', missing, { body: { reasonCode: 'JAM' } })).statusCode).toBe(404);
    const operator = (await h.keys.create('acme/plant-1', 'operator')).token;
    const accepted = await h.call('POST', url, {
      key: operator,
      body: { reasonCode: 'JAM', reasonText: 'Material jam at infeed', state: 'BREAKDOWN' },
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toMatchObject({ stopId, state: 'BREAKDOWN', reasonCode: 'JAM', durationS: 10 });
    const range = `assetId=${encodeURIComponent(ASSET)}&from=${iso(T0_US + 300 * SECOND)}&to=${iso(T0_US + 301 * SECOND)}`;
    await waitUntil(
      async () => {
        const stops = (await h.call('GET', `/api/v1/stops?${range}`)).json<{
          items: { reasonCode: string }[];
        }>();
        return stops.items[0]?.reasonCode === 'JAM';
      },
      { timeoutMs: 30_000, what: 'the reason in the stored state' },
    );
    const [stop] = (await h.call('GET', `/api/v1/stops?${range}`)).json<{
      items: Record<string, unknown>[];
    }>().items;
    const wide = `assetId=${encodeURIComponent(ASSET)}&from=${iso(T0_US)}&to=${iso(T0_US + 600 * SECOND)}`;
    const open = (await h.call('GET', `/api/v1/stops?${wide}&withoutReason=true`)).json<{
      items: { stopId: string }[];
    }>();
    expect(open.items.map((item) => item.stopId)).toEqual([
      `${ASSET}@${T0_US + 100 * SECOND}`,
      `${ASSET}@${T0_US + 400 * SECOND}`,
    ]);
    const badState = await h.call('POST', url, {
      key: operator,
      body: { reasonCode: 'X', state: 'EXPLODED' },
    });
    expect(badState.json()).toMatchObject({ status: 400, field: 'state' });
    expect(stop).toMatchObject({
      state: 'BREAKDOWN',
      reasonText: 'Material jam at infeed',
      assignedBy: expect.stringMatching(/^key:/),
    });
  });
});
