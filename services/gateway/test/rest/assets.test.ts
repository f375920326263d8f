// Assets over REST against real PostgreSQL: create the ISA-95 path level by level (admin), read one, the list in
// pages, the tree and the signals; bad ids and injection attempts refused with a problem naming the field.
import { HistorianWriter } from '@kiln/timeseries';
import { describeWith } from '@kiln/test-infra';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const LEVELS: [string, string][] = [
  ['acme', 'enterprise'],
  ['acme/plant-1', 'site'],
  ['acme/plant-1/assembly', 'area'],
  ['acme/plant-1/assembly/line-1', 'line'],
];

describeWith(['postgres', 'redis'], 'REST assets', () => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await restHarness();
    for (const [id, level] of LEVELS) {
      const response = await h.call('PUT', assetPath(id), { body: { name: id, level } });
      expect(response.statusCode).toBe(200);
    }
    for (let i = 1; i <= 5; i += 1) {
      const response = await h.call('PUT', assetPath(`acme/plant-1/assembly/line-1/m${i}`), {
        body: {
          name: `Machine ${i}`,
          level: 'asset',
          settings: { defaultIdealCycleTimeS: 2.5, microStopThresholdS: 90 },
        },
      });
      expect(response.statusCode).toBe(200);
    }
    await new HistorianWriter(h.database.db, { schema: h.database.schema }).upsertSignals([
      { assetId: 'acme/plant-1/assembly/line-1/m1', name: 'temperature', unit: 'Cel' },
      { assetId: 'acme/plant-1/assembly/line-1/m1', name: 'vibration', unit: 'mm/s' },
    ]);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('creates and updates an asset with its OEE settings', async () => {
    const id = 'acme/plant-1/assembly/line-1/m1';
    const created = (await h.call('GET', assetPath(id))).json();
    expect(created).toMatchObject({
      id,
      parentId: 'acme/plant-1/assembly/line-1',
      level: 'asset',
      name: 'Machine 1',
      settings: { defaultIdealCycleTimeS: 2.5, microStopThresholdS: 90 },
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const updated = await h.call('PUT', assetPath(id), {
      body: { name: 'Press 1', level: 'asset', settings: { microStopThresholdS: 60 } },
    });
    expect(updated.json()).toMatchObject({
      name: 'Press 1',
      settings: { defaultIdealCycleTimeS: 2.5, microStopThresholdS: 60 },
    });
  });

  it('lists assets in pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const query = `?pageSize=3${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const body = (await h.call('GET', `/api/v1/assets${query}`)).json<{
        items: { id: string }[];
        nextCursor?: string;
      }>();
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toHaveLength(9);
    expect(seen).toEqual([...seen].sort());
    const lines = (await h.call('GET', '/api/v1/assets?level=line')).json<{ items: { id: string }[] }>();
    expect(lines.items.map((item) => item.id)).toEqual(['acme/plant-1/assembly/line-1']);
  });

  it('returns the tree and the signals of an asset', async () => {
    const tree = (await h.call('GET', '/api/v1/assets/tree')).json<{
      roots: { id: string; children: unknown[] }[];
    }>();
    expect(tree.roots.map((root) => root.id)).toEqual(['acme']);
    const below = (
      await h.call('GET', `/api/v1/assets/tree?rootId=${encodeURIComponent('acme/plant-1/assembly/line-1')}`)
    ).json<{ roots: { id: string; children: unknown[] }[] }>();
    expect(below.roots[0]?.children).toHaveLength(5);
    const signals = (await h.call('GET', assetPath('acme/plant-1/assembly/line-1/m1', '/signals'))).json<{
      items: { name: string; unit: string }[];
    }>();
    expect(signals.items).toEqual([
      expect.objectContaining({ name: 'temperature', unit: 'Cel' }),
      expect.objectContaining({ name: 'vibration', unit: 'mm/s' }),
    ]);
  });

  it('answers 404 for an unknown asset and 400 naming the field for a bad id or body', async () => {
    const missing = await h.call('GET', assetPath('acme/plant-1/nothing'));
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const injection = await h.call('GET', assetPath("x'; DROP TABLE assets;--"));
    expect(injection.statusCode).toBe(400);
    expect(injection.json()).toMatchObject({ status: 400, field: 'assetId' });
    const filter = await h.call('GET', `/api/v1/assets?parentId=${encodeURIComponent("' OR 1=1 --")}`);
    expect(filter.statusCode).toBe(400);
    expect(filter.json()).toMatchObject({ field: 'parentId' });
    const orphan = await h.call('PUT', assetPath('acme/plant-9/area-1'), {
      body: { name: 'x', level: 'area' },
    });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json<{ detail: string }>().detail).toMatch(/parent acme\/plant-9 does not exist/);
    const badBody = await h.call('PUT', assetPath('acme/plant-1/area-2'), {
      body: { name: 'x', level: 'floor' },
    });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json()).toMatchObject({ field: 'level' });
    const badCursor = await h.call('GET', '/api/v1/assets?cursor=nonsense');
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json()).toMatchObject({ field: 'cursor' });
  });
});
