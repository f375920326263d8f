// Authentication, authorization, rate limiting and the API description over REST: nothing but health without a
// credential; wrong, revoked and other-site keys refused; a key past its rate limit slowed with 429; the OpenAPI
// document valid (swagger-parser) and listing every route.
import SwaggerParser from '@apidevtools/swagger-parser';
import { emptyStats, type UnmappedTag } from '@kiln/asset-model';
import { describeWith } from '@kiln/test-infra';
import { NormalizerStateStore } from '@kiln/timeseries';
import { gatewaySectionSchema } from '../../src/config';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

describeWith(['postgres', 'redis'], 'REST security and description', () => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await restHarness({
      section: {
        ...gatewaySectionSchema.parse({}),
        auth: { ...gatewaySectionSchema.parse({}).auth, keyCacheMs: 0 },
      },
    });
    for (const [id, level] of [
      ['acme', 'enterprise'],
      ['acme/plant-1', 'site'],
      ['acme/plant-2', 'site'],
    ] as const) {
      await h.call('PUT', assetPath(id), { body: { name: id, level } });
    }
  });
  afterAll(async () => {
    await h.stop();
  });

  it('serves health without credentials and nothing else', async () => {
    expect((await h.call('GET', '/healthz', { key: null })).statusCode).toBe(200);
    expect((await h.call('GET', '/readyz', { key: null })).statusCode).toBe(200);
    for (const url of ['/api/v1/assets', '/metrics', assetPath('acme/plant-1'), '/api/v1/unmapped']) {
      const response = await h.call('GET', url, { key: null });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 401 });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(
      /^kiln_gateway_requests_total\{[^}]*route="\/api\/v1\/assets"[^}]*outcome="401"/m,
    );
    const posted = await h.call('POST', '/api/v1/events/machine-states', { key: null, body: { events: [] } });
    expect(posted.statusCode).toBe(401);
  });

  it('refuses a wrong, a malformed and a revoked key', async () => {
    expect((await h.call('GET', '/api/v1/assets', { key: 'kiln_000000000000_nope' })).statusCode).toBe(401);
    const basic = await h.call('GET', '/api/v1/assets', {
      key: null,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.statusCode).toBe(401);
    const created = await h.keys.create('acme/plant-1', 'reader');
    expect((await h.call('GET', '/api/v1/assets', { key: created.token })).statusCode).toBe(200);
    expect(await h.keys.revoke(created.id)).toBe(true);
    expect((await h.call('GET', '/api/v1/assets', { key: created.token })).statusCode).toBe(401);
  });

  it('shows a site key only its site and lets only admins change assets', async () => {
    const reader = (await h.keys.create('acme/plant-1', 'reader')).token;
    const list = (await h.call('GET', '/api/v1/assets', { key: reader })).json<{ items: { id: string }[] }>();
    expect(list.items.map((item) => item.id)).toEqual(['acme/plant-1']);
    expect((await h.call('GET', assetPath('acme/plant-2'), { key: reader })).statusCode).toBe(403);
    const change = { body: { name: 'x', level: 'area' } };
    expect(
      (await h.call('PUT', assetPath('acme/plant-1/area-1'), { key: reader, ...change })).statusCode,
    ).toBe(403);
    const operator = (await h.keys.create('acme/plant-1', 'operator')).token;
    expect(
      (await h.call('PUT', assetPath('acme/plant-1/area-1'), { key: operator, ...change })).statusCode,
    ).toBe(403);
    const siteAdmin = (await h.keys.create('acme/plant-1', 'admin')).token;
    expect(
      (await h.call('PUT', assetPath('acme/plant-1/area-1'), { key: siteAdmin, ...change })).statusCode,
    ).toBe(200);
    expect(
      (await h.call('PUT', assetPath('acme/plant-2/area-1'), { key: siteAdmin, ...change })).statusCode,
    ).toBe(403);
    expect((await h.call('GET', '/api/v1/unmapped', { key: reader })).statusCode).toBe(403);
  });

  it('lists to admins the unmapped tags normalization stored, or its live list where it runs in the process', async () => {
    const unmapped = async () => (await h.call('GET', '/api/v1/unmapped')).json();
    // Before normalization ever ran here: none.
    expect(await unmapped()).toEqual({ source: 'stored', tags: [] });

    const tag: UnmappedTag = {
      sourceId: 'opcua/plc-7',
      tag: 'Line9/Press/Speed',
      reason: 'no-rule',
      detail: 'no mapping rule matches',
      count: 12,
      firstSeenUs: Date.UTC(2026, 2, 2) * 1000,
      lastSeenUs: Date.UTC(2026, 2, 2, 1) * 1000,
    };
    // The snapshots of two partitions, as normalization in other processes saved them: the tag in both (its
    // source moved partitions) is one entry; a third snapshot whose list does not parse is passed over.
    const store = new NormalizerStateStore(h.database.db, h.database.schema);
    await store.ensureTable();
    const snapshot = (tags: UnmappedTag[]) => ({
      version: 1 as const,
      channels: {},
      assets: {},
      unmapped: tags,
      stats: emptyStats(),
    });
    const other: UnmappedTag = {
      ...tag,
      sourceId: 'mqtt/hall-2',
      tag: 'hall2/oven/temp',
      reason: 'unknown-asset',
      count: 2,
    };
    await store.save(0, { lastOffset: 41n, logEpoch: 'e1' }, snapshot([other, tag]));
    await store.save(
      1,
      { lastOffset: 7n, logEpoch: 'e1' },
      snapshot([
        { ...tag, count: 3, firstSeenUs: tag.firstSeenUs - 60_000_000, lastSeenUs: tag.lastSeenUs + 1 },
      ]),
    );
    await h.database.db.query(
      `INSERT INTO "${h.database.schema}".normalizer_state (partition, last_offset, snapshot)
       VALUES (2, 0, '{"unmapped": [{"tag": 1}]}')`,
    );
    expect(await unmapped()).toEqual({
      source: 'stored',
      tags: [
        {
          sourceId: 'opcua/plc-7',
          tag: 'Line9/Press/Speed',
          reason: 'no-rule',
          detail: 'no mapping rule matches',
          count: 15,
          firstSeen: '2026-03-01T23:59:00.000Z',
          lastSeen: '2026-03-02T01:00:00.000Z',
        },
        {
          sourceId: 'mqtt/hall-2',
          tag: 'hall2/oven/temp',
          reason: 'unknown-asset',
          detail: 'no mapping rule matches',
          count: 2,
          firstSeen: '2026-03-02T00:00:00.000Z',
          lastSeen: '2026-03-02T01:00:00.000Z',
        },
      ],
    });
    // Issue 18: a site's admin saw the tag names of every site. An unmapped tag belongs to no site yet (no rule
    // maps it to an asset), so only an admin of every site lists them.
    const siteAdmin = (await h.keys.create('acme/plant-1', 'admin')).token;
    const refused = await h.call('GET', '/api/v1/unmapped', { key: siteAdmin });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toMatch(/admin key of every site/);

    const withNormalization = await restHarness({ unmapped: () => [tag] });
    try {
      const response = await withNormalization.call('GET', '/api/v1/unmapped');
      expect(response.json()).toEqual({
        source: 'live',
        tags: [
          {
            sourceId: 'opcua/plc-7',
            tag: 'Line9/Press/Speed',
            reason: 'no-rule',
            detail: 'no mapping rule matches',
            count: 12,
            firstSeen: '2026-03-02T00:00:00.000Z',
            lastSeen: '2026-03-02T01:00:00.000Z',
          },
        ],
      });
    } finally {
      await withNormalization.stop();
    }
  });

  it('publishes a valid OpenAPI 3 document listing every route, with a browsable UI', async () => {
    const response = await h.call('GET', '/openapi.json', { key: null });
    expect(response.statusCode).toBe(200);
    const document = response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\./);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = [
      'GET /api/v1/assets',
      'GET /api/v1/assets/tree',
      'GET /api/v1/assets/{assetId}',
      'PUT /api/v1/assets/{assetId}',
      'GET /api/v1/assets/{assetId}/signals',
      'GET /api/v1/telemetry',
      'GET /api/v1/telemetry/latest',
      'GET /api/v1/oee',
      'GET /api/v1/oee/live',
      'GET /api/v1/states',
      'GET /api/v1/stops',
      'POST /api/v1/stops/{stopId}/reason',
      'GET /api/v1/alerts',
      'GET /api/v1/alerts/{alertId}',
      'POST /api/v1/alerts/{alertId}/acknowledge',
      'POST /api/v1/alerts/{alertId}/resolve',
      'GET /api/v1/assets/{assetId}/health',
      'GET /api/v1/orders',
      'GET /api/v1/orders/{orderId}',
      'GET /api/v1/erp/outbox',
      'GET /api/v1/erp/problems',
      'POST /api/v1/events/machine-states',
      'POST /api/v1/events/production-counts',
      'POST /api/v1/events/orders',
      'POST /api/v1/events/shifts',
      'GET /api/v1/unmapped',
      'GET /api/v1/audit',
      'GET /api/v1/stream',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
    ];
    expect([...documented].sort()).toEqual([...expected].sort());
    const ui = await h.call('GET', '/docs/', { key: null });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
    // Issue 18: /docs had no content security policy although it shares the dashboard's origin.
    for (const path of ['/docs/', '/docs/static/swagger-initializer.js', '/docs/static/index.css']) {
      const answer = await h.call('GET', path, { key: null });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';/);
      expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    }
    // Everything the page loads comes from the same origin, with no inline script.
    const page = (await h.call('GET', '/docs/', { key: null })).body;
    expect(page).not.toMatch(/<script>(?!\s*<\/script>)/);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('answers 429 once a key has used its requests of the window, other keys unaffected', async () => {
    const limited = await restHarness({ section: { rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await limited.call('GET', '/api/v1/assets')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const last = await limited.call('GET', '/api/v1/assets');
      expect(last.json()).toMatchObject({
        status: 429,
        type: expect.stringMatching(/rate-limited$/),
        detail: expect.stringMatching(
          /^rate limit of 3 requests per 60 s reached for this key; retry in \d+ (second|minute)s?$/,
        ),
      });
      const other = (await limited.keys.create('*', 'reader')).token;
      expect((await limited.call('GET', '/api/v1/assets', { key: other })).statusCode).toBe(200);
      expect((await limited.call('GET', '/healthz', { key: null })).statusCode).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
