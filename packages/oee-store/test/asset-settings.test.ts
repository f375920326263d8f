// The settings OEE is computed with: configuration default < the configuration's longest asset-id prefix < the
// asset's own defaults in the database (plant file, PUT /api/v1/assets), read through a cache that can be cleared.
import { describeWith } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import { AssetSettings, settingsFromAttributes } from '../src/asset-settings';
import { oeeSectionSchema } from '../src/oee-section';
import { testDatabase, type TestDatabase } from './support/db';

describe('settingsFromAttributes', () => {
  it('takes the known, valid keys of attributes.defaults', () => {
    expect(settingsFromAttributes({ idealCycleTimeS: 2.5, microStopThresholdS: 60, colour: 'red' })).toEqual({
      defaultIdealCycleTimeS: 2.5,
      microStopThresholdS: 60,
    });
    expect(settingsFromAttributes({ idealCycleTimeS: -1, microStopThresholdS: 'x' })).toEqual({});
    expect(settingsFromAttributes({ idealCycleTimeS: 0 })).toEqual({});
    expect(settingsFromAttributes(null)).toEqual({});
  });
});

describeWith(['postgres'], 'AssetSettings', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
    await new HistorianWriter(database.db, { schema: database.schema }).upsertAssets([
      { id: 'acme', level: 'enterprise', name: 'acme' },
      { id: 'acme/p1', parentId: 'acme', level: 'site', name: 'p1' },
      {
        id: 'acme/p1/m1',
        parentId: 'acme/p1',
        level: 'asset',
        name: 'm1',
        attributes: { defaults: { idealCycleTimeS: 4 } },
      },
      { id: 'acme/p1/m2', parentId: 'acme/p1', level: 'asset', name: 'm2' },
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('lets the asset override the configuration, the prefix override the default', async () => {
    const configured = oeeSectionSchema.parse({
      settings: {
        default: { defaultIdealCycleTimeS: 1, microStopThresholdS: 120 },
        assets: { 'acme/p1/': { microStopThresholdS: 30, defaultIdealCycleTimeS: 2 } },
      },
    }).settings;
    const settings = new AssetSettings(database.db, database.schema, configured);
    expect(await settings.for('acme/p1/m1')).toMatchObject({
      defaultIdealCycleTimeS: 4,
      microStopThresholdS: 30,
    });
    expect(await settings.for('acme/p1/m2')).toMatchObject({
      defaultIdealCycleTimeS: 2,
      microStopThresholdS: 30,
    });
    expect(await settings.for('other/x')).toMatchObject({
      defaultIdealCycleTimeS: 1,
      microStopThresholdS: 120,
    });
  });

  it('caches for a while and reads again once forgotten or expired', async () => {
    let now = 0;
    const settings = new AssetSettings(database.db, database.schema, oeeSectionSchema.parse({}).settings, {
      cacheMs: 1_000,
      now: () => now,
    });
    expect((await settings.for('acme/p1/m2')).defaultIdealCycleTimeS).toBe(1);
    await database.db.query(
      `UPDATE "${database.schema}".assets SET attributes = '{"defaults":{"idealCycleTimeS":7}}' WHERE id = 'acme/p1/m2'`,
    );
    expect((await settings.for('acme/p1/m2')).defaultIdealCycleTimeS).toBe(1);
    now = 1_001;
    expect((await settings.for('acme/p1/m2')).defaultIdealCycleTimeS).toBe(7);
    await database.db.query(
      `UPDATE "${database.schema}".assets SET attributes = '{"defaults":{"idealCycleTimeS":8}}' WHERE id = 'acme/p1/m2'`,
    );
    settings.forget('acme/p1/m2');
    expect((await settings.for('acme/p1/m2')).defaultIdealCycleTimeS).toBe(8);
  });
});
