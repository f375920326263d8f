// Validation at the REST boundary (issue 13): text with NUL or other control characters, implausible times and
// out-of-range numbers are refused with 400 naming the field, counted, and publish nothing; the valid request
// next to them goes through. Also what the fuzz suite (test/rest-bodies.fuzz.test.ts) found.
import { topics } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { restHarness, type RestHarness } from '../support/harness';

const ASSET = 'acme/plant-1/press/line-1/press-1';
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const iso = (ms: number): string => new Date(ms).toISOString();

describeWith(['postgres', 'redis'], 'REST input validation', () => {
  let h: RestHarness;

  beforeAll(async () => {
    h = await restHarness({ now: () => NOW_MS });
  });

  afterAll(async () => {
    await h?.stop();
  });

  const published = (topic: string): number =>
    h.bus.partitionStats(topic).reduce((sum, partition) => sum + partition.endOffset, 0);

  it('refuses a machine state event with U+0000 in reasonText (issue 13, defect 4) and publishes nothing', async () => {
    const before = published(topics.machineState.name);
    const response = await h.call('POST', '/api/v1/events/machine-states', {
      body: {
        events: [
          {
            assetId: ASSET,
            state: 'BREAKDOWN',
            startTime: iso(NOW_MS - 60_000),
            reasonCode: 'M-01',
            reasonText: 'motor\u0000overload',
          },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      status: 400,
      field: 'events[0].reasonText',
      detail: expect.stringMatching(/^events\[0\]\.reasonText: holds the character U\+0000/),
    });
    expect(published(topics.machineState.name)).toBe(before);

    const valid = await h.call('POST', '/api/v1/events/machine-states', {
      body: {
        events: [
          {
            assetId: ASSET,
            state: 'BREAKDOWN',
            startTime: iso(NOW_MS - 60_000),
            reasonText: 'motor overload\nsecond line',
          },
        ],
      },
    });
    expect(valid.statusCode).toBe(202);
    expect(published(topics.machineState.name)).toBe(before + 1);
  });

  const post = (path: string, body: unknown) => h.call('POST', path, { body });
  const state = (startTime: string) => ({ assetId: ASSET, state: 'RUNNING', startTime });

  it('refuses live events stamped outside the window around the gateway clock, and takes planned ones ahead', async () => {
    const ahead = await post('/api/v1/events/machine-states', {
      events: [state(iso(NOW_MS + 2 * 86_400_000))],
    });
    expect(ahead.json()).toMatchObject({
      status: 400,
      field: 'events[0].startTime',
      detail: expect.stringMatching(/outside the accepted window \(366 days before to 1 days after now\)/),
    });
    const old = await post('/api/v1/events/production-counts', {
      events: [{ assetId: ASSET, time: iso(NOW_MS - 400 * 86_400_000), totalCount: 1 }],
    });
    expect(old.json()).toMatchObject({ status: 400, field: 'events[0].time' });
    const year0 = await post('/api/v1/events/machine-states', { events: [state('0000-01-01T00:00:00Z')] });
    expect(year0.json()).toMatchObject({ status: 400, field: 'events[0].startTime' });
    const planned = await post('/api/v1/events/orders', {
      events: [
        {
          assetId: ASSET,
          orderId: 'PO-1',
          status: 'PLANNED',
          scheduledStart: iso(NOW_MS + 400 * 86_400_000),
        },
      ],
    });
    expect(planned.statusCode).toBe(202);
    const beyond = await post('/api/v1/events/orders', {
      events: [
        { assetId: ASSET, orderId: 'PO-2', status: 'PLANNED', scheduledStart: '1969-12-31T23:00:00Z' },
      ],
    });
    expect(beyond.json()).toMatchObject({ status: 400, field: 'events[0].scheduledStart' });
  });

  it('refuses counts beyond the cap and non-finite numbers naming the field', async () => {
    const huge = await post('/api/v1/events/production-counts', {
      events: [{ assetId: ASSET, time: iso(NOW_MS), totalCount: 1e16 }],
    });
    expect(huge.json()).toMatchObject({ status: 400, field: 'events[0].totalCount' });
    const infinite = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events/production-counts',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
      payload: `{"events":[{"assetId":"${ASSET}","time":"${iso(NOW_MS)}","totalCount":1e999}]}`,
    });
    expect(infinite.json()).toMatchObject({ status: 400, field: 'events[0].totalCount' });
    const cycle = await post('/api/v1/events/orders', {
      events: [{ assetId: ASSET, orderId: 'PO-3', status: 'RUNNING', idealCycleTimeS: 1e9 }],
    });
    expect(cycle.json()).toMatchObject({ status: 400, field: 'events[0].idealCycleTimeS' });
  });

  it('refuses line breaks in identifiers, keeps them in free text, and caps lengths', async () => {
    const id = await post('/api/v1/events/orders', {
      events: [{ assetId: ASSET, orderId: 'PO\n4', status: 'RUNNING', materialDescription: 'two\nlines' }],
    });
    expect(id.json()).toMatchObject({
      status: 400,
      field: 'events[0].orderId',
      detail: expect.stringMatching(/U\+000A at position 2; one line without tabs is expected/),
    });
    const text = await post('/api/v1/events/orders', {
      events: [{ assetId: ASSET, orderId: 'PO-4', status: 'RUNNING', materialDescription: 'two\nlines' }],
    });
    expect(text.statusCode).toBe(202);
    const surrogate = await post('/api/v1/events/machine-states', {
      events: [{ ...state(iso(NOW_MS)), sourceCode: 'x\ud800' }],
    });
    expect(surrogate.json()).toMatchObject({ status: 400, field: 'events[0].sourceCode' });
    const long = await post('/api/v1/events/machine-states', {
      events: [{ ...state(iso(NOW_MS)), reasonText: 'x'.repeat(501) }],
    });
    expect(long.json()).toMatchObject({
      status: 400,
      field: 'events[0].reasonText',
      detail: 'events[0].reasonText: is 501 characters long, at most 500 expected',
    });
  });

  it('refuses query times outside 1970..9999 naming the parameter', async () => {
    const query = (from: string, to: string) =>
      h.call('GET', `/api/v1/states?assetId=${encodeURIComponent(ASSET)}&from=${from}&to=${to}`);
    expect((await query('1969-12-31T00:00:00Z', '1970-01-02T00:00:00Z')).json()).toMatchObject({
      status: 400,
      field: 'from',
    });
    expect((await query('2026-12-01T00:00:00Z', '9999-12-31T23:59:59-01:00')).json()).toMatchObject({
      status: 400,
      field: 'to',
    });
  });

  it('answers 400 naming the field, not 500, for NUL in a path parameter or a cursor (the database refuses NUL)', async () => {
    const alert = await post('/api/v1/alerts/a%00b/acknowledge', { comment: 'seen' });
    expect(alert.json()).toMatchObject({ status: 400, field: 'alertId' });
    const order = await h.call('GET', '/api/v1/orders/PO%001');
    expect(order.json()).toMatchObject({ status: 400, field: 'orderId' });
    const cursor = await h.call('GET', '/api/v1/assets?cursor=a%00b');
    expect(cursor.json()).toMatchObject({ status: 400, field: 'cursor' });
    const comment = await post('/api/v1/alerts/a-1/acknowledge', { comment: 'seen\u0000' });
    expect(comment.json()).toMatchObject({ status: 400, field: 'comment' });
  });

  it("names 'body' for a body that is not JSON and 'path' for a path parameter too long for the router", async () => {
    const notJson = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events/machine-states',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
      payload: '{"events":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ field: 'body', detail: expect.stringMatching(/^body: /) });
    const long = await post(`/api/v1/stops/${'x'.repeat(700)}/reason`, { reasonCode: 'X' });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(long.json()).toMatchObject({ status: 414, field: 'path' });
  });

  it('counts refusals by route and field (one label per field, not per index)', async () => {
    await post('/api/v1/events/machine-states', {
      events: [state(iso(NOW_MS)), { ...state(iso(NOW_MS)), reasonText: '\u0000' }],
    });
    const metric = await h.registry.getSingleMetric('kiln_gateway_invalid_inputs_total')?.get();
    const value = metric?.values.find(
      (one) =>
        one.labels['transport'] === 'rest' &&
        one.labels['route'] === '/api/v1/events/machine-states' &&
        one.labels['field'] === 'events[].reasonText',
    )?.value;
    expect(value).toBeGreaterThanOrEqual(2);
  });
});
