// Latest values from normalization's hot state (real Redis), the database where the hot state has none or fails:
// the answer is the same as the database alone would give for what both hold, in the order asked.
import { randomBytes } from 'node:crypto';
import { describeWith, serviceEndpoints } from '@kiln/test-infra';
import {
  HistorianWriter,
  openHotState,
  redisConfigSchema,
  type HotState,
  type OpenedHotState,
} from '@kiln/timeseries';
import type { Principal } from '../../src/auth/principal';
import { TelemetryQueries } from '../../src/domain/telemetry';
import { testDatabase, type TestDatabase } from '../support/db';

const ASSET = 'acme/plant-1/line-1/m1';
const T0_US = Date.UTC(2026, 2, 2, 6) * 1000;
const admin: Principal = { subject: 'test', site: '*', role: 'admin', via: 'api-key' };
const temperature = { assetId: ASSET, name: 'temperature' };
const pressure = { assetId: ASSET, name: 'pressure' };
const absent = { assetId: ASSET, name: 'never-seen' };

describeWith(['postgres', 'redis'], 'latest values from the hot state', () => {
  let database: TestDatabase;
  let hot: OpenedHotState;
  beforeAll(async () => {
    database = await testDatabase();
    const writer = new HistorianWriter(database.db, { schema: database.schema });
    await writer.writeNamedTelemetry(
      [temperature, pressure].map((signal, index) => ({
        signal: { ...signal, unit: 'Cel' },
        timeUs: T0_US + index,
        value: 10 + index,
        valueText: null,
        quality: 1,
      })),
    );
    hot = openHotState(
      redisConfigSchema.parse({
        url: serviceEndpoints().redisUrl,
        keyPrefix: `kiln-test-${randomBytes(4).toString('hex')}:`,
      }),
    );
    // Normalization's write after the row: temperature newer in the hot state than the row above; pressure only
    // in the database (a Redis flushed since).
    await hot.hotState.setLastValues([
      { assetId: ASSET, signal: 'temperature', timeUs: T0_US + 5, value: 42, valueText: null, quality: 2 },
    ]);
  });
  afterAll(async () => {
    await hot.hotState.close();
    await database.drop();
  });

  it('answers from the hot state, the rest from the database, in the order asked', async () => {
    const queries = new TelemetryQueries(database.db, database.schema, 10_000, hot.hotState);
    expect(await queries.latest(admin, [pressure, absent, temperature])).toEqual([
      { signal: pressure, timeUs: T0_US + 1, value: 11, valueText: null, quality: 1 },
      { signal: temperature, timeUs: T0_US + 5, value: 42, valueText: null, quality: 2 },
    ]);
    // Without a hot state: the database alone, the same shape.
    const stored = new TelemetryQueries(database.db, database.schema, 10_000);
    expect(await stored.latest(admin, [temperature, pressure])).toEqual([
      { signal: temperature, timeUs: T0_US, value: 10, valueText: null, quality: 1 },
      { signal: pressure, timeUs: T0_US + 1, value: 11, valueText: null, quality: 1 },
    ]);
  });

  it('with the cache, serves what Redis answered at most maxAge ago, and reads it now when asked maxAge 0', async () => {
    let now = 0;
    const queries = new TelemetryQueries(database.db, database.schema, 10_000, hot.hotState, {
      settings: { maxAgeMs: 500, refreshAfterMs: 50, maxSignals: 100 },
      options: { now: () => now },
    });
    const written = (value: number, time: number) =>
      hot.hotState.setLastValues([
        { assetId: ASSET, signal: 'pressure', timeUs: T0_US + time, value, valueText: null, quality: 1 },
      ]);
    const pressureOf = async (maxAgeMs?: number) =>
      (await queries.latest(admin, [pressure], maxAgeMs)).map((entry) => entry.value);
    await written(20, 10);
    expect(await pressureOf()).toEqual([20]);
    await written(21, 11);
    now = 40;
    expect(await pressureOf()).toEqual([20]); // remembered, younger than refreshAfterMs
    expect(await pressureOf(0)).toEqual([21]);
    await written(22, 12);
    now = 540; // 500 ms after the last read: still served from memory, and read again behind it
    expect(await pressureOf()).toEqual([21]);
    for (let tries = 0; tries < 100 && (await pressureOf())[0] !== 22; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await pressureOf()).toEqual([22]);
    await written(23, 13);
    now = 1100;
    expect(await pressureOf()).toEqual([23]); // older than maxAge: read on the path
  });

  it('reads the database when the hot state fails', async () => {
    const failing: HotState = Object.assign(Object.create(hot.hotState) as HotState, {
      getLastValuesOf: () => Promise.reject(new Error('Redis is away')),
    });
    const queries = new TelemetryQueries(database.db, database.schema, 10_000, failing);
    expect(await queries.latest(admin, [temperature])).toEqual([
      { signal: temperature, timeUs: T0_US, value: 10, valueText: null, quality: 1 },
    ]);
  });
});
