// What the historian promises on every backend. Expected values are spelled out, so a backend that passes
// gives the same answers as every other one.
import type { TelemetryBatch } from '@kiln/contracts';
import { Quality } from '@kiln/contracts';
import {
  HistorianQueries,
  HistorianWriter,
  migrate,
  refreshRollups,
  type Database,
  type MachineStateRow,
  type StorageBackend,
} from '../src';
import { HOUR, MINUTE, SECOND, T0 } from './support';

export interface HistorianHarness {
  db: () => Database;
  schema: string;
  backend: StorageBackend;
}

export const ASSET = 'acme/plant-1/pressing/line-2/press-04';

/** temperature: one sample every 10 s for two hours, value = sample index (0..719). */
export function temperatureBatch(): TelemetryBatch {
  return {
    assetId: ASSET,
    points: Array.from({ length: 720 }, (_, i) => ({
      signal: 'temperature',
      value: { kind: { $case: 'numberValue' as const, value: i } },
      quality: Quality.QUALITY_GOOD,
      timeUs: T0 + i * 10 * SECOND,
      receiveTimeUs: T0 + i * 10 * SECOND + 1000,
      unit: 'Cel',
    })),
  };
}

export const STATES: MachineStateRow[] = [
  { assetId: ASSET, timeUs: T0, state: 'RUNNING' },
  {
    assetId: ASSET,
    timeUs: T0 + 600 * SECOND,
    state: 'BREAKDOWN',
    reasonCode: 'E12',
    reasonText: 'hydraulics',
  },
  { assetId: ASSET, timeUs: T0 + 900 * SECOND, state: 'RUNNING' },
  { assetId: ASSET, timeUs: T0 + HOUR, state: 'PLANNED_STOP', reasonCode: 'BRK', reasonText: 'break' },
];

async function count(db: Database, sql: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int4 AS n FROM ${sql}`);
  return rows[0]?.n ?? -1;
}

export function historianContract(harness: HistorianHarness): void {
  let writer: HistorianWriter;
  let queries: HistorianQueries;
  let temperatureId: number;
  const table = (name: string) => `"${harness.schema}".${name}`;

  beforeAll(async () => {
    const db = harness.db();
    const result = await migrate(db, { schema: harness.schema });
    expect(result.backend).toBe(harness.backend);
    writer = new HistorianWriter(db, { schema: harness.schema, maxRowsPerStatement: 250 });
    queries = new HistorianQueries(db, { schema: harness.schema });
  });

  describe('writer', () => {
    it('writes a telemetry batch once and a replay of it changes nothing', async () => {
      const first = await writer.writeTelemetryBatches([temperatureBatch()]);
      expect(first).toMatchObject({ received: 720, inserted: 720, fromUs: T0, toUs: T0 + 7190 * SECOND });
      const replay = await writer.writeTelemetryBatches([temperatureBatch()]);
      expect(replay).toMatchObject({ received: 720, inserted: 0 });
      expect(await count(harness.db(), table('telemetry'))).toBe(720);
      temperatureId = await writer.signalId(ASSET, 'temperature');
      const { rows } = await harness
        .db()
        .query<{ unit: string; data_type: string }>(
          `SELECT unit, data_type FROM ${table('signals')} WHERE id = $1`,
          [temperatureId],
        );
      expect(rows).toEqual([{ unit: 'Cel', data_type: 'number' }]);
    });

    it('keeps texts, flags and microseconds, and leaves waveforms to their own store', async () => {
      const batch: TelemetryBatch = {
        assetId: ASSET,
        points: [
          {
            signal: 'mode',
            value: { kind: { $case: 'stringValue', value: 'AUTO' } },
            quality: 1,
            timeUs: T0 + 123,
            receiveTimeUs: 0,
            unit: '',
          },
          {
            signal: 'mode',
            value: { kind: { $case: 'stringValue', value: 'AUTO' } },
            quality: 1,
            timeUs: T0 + 123,
            receiveTimeUs: 0,
            unit: '',
          },
          {
            signal: 'door-open',
            value: { kind: { $case: 'boolValue', value: true } },
            quality: 2,
            timeUs: T0 + 7,
            receiveTimeUs: 0,
            unit: '',
          },
          {
            signal: 'vibration',
            value: { kind: { $case: 'arrayValue', value: { values: [1, 2] } } },
            quality: 1,
            timeUs: T0,
            receiveTimeUs: 0,
            unit: 'mm/s',
          },
        ],
      };
      const result = await writer.writeTelemetryBatches([batch]);
      expect(result).toMatchObject({ received: 3, inserted: 2, skippedWaveforms: 1 });
      const mode = await queries.lastValue(await writer.signalId(ASSET, 'mode'));
      expect(mode).toMatchObject({ timeUs: T0 + 123, value: null, valueText: 'AUTO', quality: 1 });
      const door = await queries.lastValue(await writer.signalId(ASSET, 'door-open'));
      expect(door).toMatchObject({ timeUs: T0 + 7, value: 1, valueText: null, quality: 2 });
    });

    it('writes machine states and counts idempotently and applies a stop reason', async () => {
      const states = await writer.writeStates(STATES);
      expect(states.inserted).toBe(4);
      expect((await writer.writeStates(STATES)).inserted).toBe(0);
      const reason = await writer.writeStates(
        [],
        [
          {
            assetId: ASSET,
            stopStartTimeUs: T0 + 600 * SECOND,
            reasonCode: 'E13',
            reasonText: 'pump',
            assignedBy: 'op',
            assignedTimeUs: T0 + HOUR,
          },
          {
            assetId: ASSET,
            stopStartTimeUs: T0 + 601 * SECOND,
            reasonCode: 'X',
            reasonText: 'x',
            assignedBy: 'op',
            assignedTimeUs: T0 + HOUR,
          },
        ],
      );
      expect(reason.reasonsApplied).toBe(1);
      expect(reason.reasonsUnmatched.map((r) => r.stopStartTimeUs)).toEqual([T0 + 601 * SECOND]);

      const counts = [1, 2, 3].map((i) => ({
        assetId: ASSET,
        timeUs: T0 + i * MINUTE,
        totalCount: 10,
        goodCount: 9,
        scrapCount: 1,
        orderId: '4711',
      }));
      expect((await writer.writeCounts(counts)).inserted).toBe(3);
      expect((await writer.writeCounts(counts)).inserted).toBe(0);
      expect(await count(harness.db(), table('production_counts'))).toBe(3);
    });

    it('stores assets and replaces changed ones', async () => {
      const asset = {
        id: ASSET,
        parentId: 'acme/plant-1/pressing/line-2',
        level: 'asset' as const,
        name: 'Press 04',
        attributes: { tonnage: 400 },
      };
      expect(await writer.upsertAssets([asset])).toBe(1);
      expect(await writer.upsertAssets([asset])).toBe(0);
      expect(await writer.upsertAssets([{ ...asset, name: 'Press 4' }])).toBe(1);
    });
  });

  describe('queries', () => {
    it('aggregates a range into 1-minute buckets', async () => {
      const rows = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + 2 * HOUR,
        bucket: '1m',
      });
      expect(rows).toHaveLength(120);
      expect(rows[0]).toEqual({
        signalId: temperatureId,
        bucketStartUs: T0,
        avg: 2.5,
        min: 0,
        max: 5,
        last: 5,
        count: 6,
      });
      expect(rows[119]).toEqual({
        signalId: temperatureId,
        bucketStartUs: T0 + 119 * MINUTE,
        avg: 716.5,
        min: 714,
        max: 719,
        last: 719,
        count: 6,
      });
    });

    it('aggregates by hour and by 15 minutes, and finds signals by asset and name', async () => {
      const hours = await queries.rangeQuery({
        signals: [{ assetId: ASSET, name: 'temperature' }],
        fromUs: T0,
        toUs: T0 + 2 * HOUR,
        bucket: '1 hour',
      });
      expect(hours).toEqual([
        { signalId: temperatureId, bucketStartUs: T0, avg: 179.5, min: 0, max: 359, last: 359, count: 360 },
        {
          signalId: temperatureId,
          bucketStartUs: T0 + HOUR,
          avg: 539.5,
          min: 360,
          max: 719,
          last: 719,
          count: 360,
        },
      ]);
      const quarters = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + HOUR,
        bucket: '15m',
        aggregates: ['max', 'count'],
      });
      expect(quarters.map((r) => [r.bucketStartUs - T0, r.max, r.count, r.avg])).toEqual([
        [0, 89, 90, null],
        [15 * MINUTE, 179, 90, null],
        [30 * MINUTE, 269, 90, null],
        [45 * MINUTE, 359, 90, null],
      ]);
    });

    it('counts only samples inside the range in the edge buckets', async () => {
      const rows = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0 + 30 * SECOND,
        toUs: T0 + 90 * SECOND,
        bucket: '1m',
      });
      expect(rows.map((r) => [r.bucketStartUs - T0, r.min, r.max, r.count])).toEqual([
        [0, 3, 5, 3],
        [MINUTE, 6, 8, 3],
      ]);
    });

    it('returns the last value of each signal', async () => {
      const values = await queries.lastValues([temperatureId, 999_999]);
      expect(values).toEqual([
        { signalId: temperatureId, timeUs: T0 + 7190 * SECOND, value: 719, valueText: null, quality: 1 },
      ]);
    });

    it('returns the state timeline of an asset clipped to the range', async () => {
      const timeline = await queries.stateTimeline(ASSET, T0 + 300 * SECOND, T0 + 1200 * SECOND);
      expect(timeline).toEqual([
        {
          state: 'RUNNING',
          reasonCode: '',
          reasonText: '',
          startUs: T0 + 300 * SECOND,
          endUs: T0 + 600 * SECOND,
          durationUs: 300 * SECOND,
          open: false,
        },
        {
          state: 'BREAKDOWN',
          reasonCode: 'E13',
          reasonText: 'pump',
          startUs: T0 + 600 * SECOND,
          endUs: T0 + 900 * SECOND,
          durationUs: 300 * SECOND,
          open: false,
        },
        {
          state: 'RUNNING',
          reasonCode: '',
          reasonText: '',
          startUs: T0 + 900 * SECOND,
          endUs: T0 + 1200 * SECOND,
          durationUs: 300 * SECOND,
          open: true,
        },
      ]);
      expect(await queries.stateTimeline(ASSET, T0 - HOUR, T0)).toEqual([]);
      const late = await queries.stateTimeline(ASSET, T0 + 2 * HOUR, T0 + 3 * HOUR);
      expect(late.map((i) => [i.state, i.durationUs, i.open])).toEqual([['PLANNED_STOP', HOUR, true]]);
    });
  });

  describe('rollups', () => {
    it('serves 1-minute and 1-hour rollups after a refresh, equal to the raw aggregates', async () => {
      await refreshRollups(harness.db(), { schema: harness.schema, fromUs: T0, toUs: T0 + 2 * HOUR - 1 });
      for (const bucket of ['1m', '5m', '1h']) {
        const raw = await queries.rangeQuery({
          signalIds: [temperatureId],
          fromUs: T0,
          toUs: T0 + 2 * HOUR,
          bucket,
        });
        const rollup = await queries.rangeQuery({
          signalIds: [temperatureId],
          fromUs: T0,
          toUs: T0 + 2 * HOUR,
          bucket,
          source: 'rollup',
        });
        expect(rollup).toEqual(raw);
      }
    });

    it('recomputes a closed window when late data arrives', async () => {
      const late = {
        signalId: temperatureId,
        timeUs: T0 + 5 * SECOND,
        value: 1000,
        valueText: null,
        quality: 1,
      };
      const written = await writer.writeTelemetry([late]);
      expect(written.inserted).toBe(1);
      const before = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + MINUTE,
        bucket: '1m',
        source: 'rollup',
      });
      expect(before[0]?.count).toBe(6);

      await refreshRollups(harness.db(), {
        schema: harness.schema,
        fromUs: written.fromUs ?? 0,
        toUs: written.toUs ?? 0,
      });
      const minute = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + MINUTE,
        bucket: '1m',
        source: 'rollup',
      });
      expect(minute).toEqual([
        { signalId: temperatureId, bucketStartUs: T0, avg: 1015 / 7, min: 0, max: 1000, last: 5, count: 7 },
      ]);
      const hour = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + HOUR,
        bucket: '1h',
        source: 'rollup',
      });
      expect(hour[0]).toMatchObject({ count: 361, max: 1000, last: 359 });
      // The rest of the hour's minutes were left as they were.
      const all = await queries.rangeQuery({
        signalIds: [temperatureId],
        fromUs: T0,
        toUs: T0 + 2 * HOUR,
        bucket: '1m',
        source: 'rollup',
      });
      expect(all).toHaveLength(120);
    });
  });
}
