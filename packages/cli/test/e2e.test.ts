// Acceptance: one command to a live factory. `kiln start` runs the simulated factory, ingestion, normalization, OEE
// and the gateway in one process; everything below is checked through the REST API a user would call, except the
// production counts, which no route returns: they are read from the embedded database after the process stopped.
//
// Time compression: the simulator runs at SPEED times real time from a fixed time of yesterday (so the shift
// calendar and the simulator's planned stops fall the same way whenever the test runs, and no range reaches past
// now). Its clock is then hours behind the receive time, so normalization's clock-skew limit (5 min by default,
// docs/architecture.md section 5) is raised in the test's configuration file; otherwise it would replace the source times with
// receive times.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineStateFromJSON } from '@kiln/contracts';
import { computeOee, type CountDelta, type StateChange } from '@kiln/oee';
import { calendarFor, calendarShifts, readCalendarFile } from '@kiln/oee-store';
import { waitUntil } from '@kiln/test-infra';
import { PgliteDatabase } from '@kiln/timeseries';
import { EMBEDDED_SHIFTS_FILE } from '../src/config';
import { exitWithin, freePort, KILN_MAIN, run, waitForReady, type RunningProcess } from './support';

jest.setTimeout(240_000);

const SPEED = 60;
const MINUTE_MS = 60_000;
const ADMIN_KEY = 'kiln-e2e-admin-key-0123456789abcdef';
const MACHINES = [1, 2].flatMap((line) =>
  [1, 2, 3, 4].map((machine) => `acme/plant-1/assembly/line-${line}/machine-${machine}`),
);
/** The embedded plant's settings (packages/cli/embedded/plant.yaml, config.ts). */
const PLANT_SETTINGS = { defaultIdealCycleTimeS: 10, microStopThresholdS: 120 };

const scratch = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
const dataDir = join(scratch, 'data');

/** 07:00 UTC yesterday: inside the early shift (06:00-14:00), after its planned stop, before its break at 10:00. */
const simStartMs = (() => {
  const day = new Date(Date.now() - 86_400_000);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 7, 0, 0);
})();
const iso = (ms: number): string => new Date(ms).toISOString();

/** The range whose OEE is checked: the first half hour of simulated production. */
const range = { fromMs: simStartMs, toMs: simStartMs + 30 * MINUTE_MS };
/** The simulated time every machine must have reached before the range is checked, so nothing late is missing. */
const settledMs = range.toMs + 10 * MINUTE_MS;

interface Kiln {
  process: RunningProcess;
  base: string;
}

async function startKiln(name: string, simulatorStartMs: number): Promise<Kiln> {
  const port = await freePort();
  const config = join(scratch, `${name}.yaml`);
  writeFileSync(
    config,
    [
      'simulator:',
      `  startTime: '${iso(simulatorStartMs)}'`,
      // The embedded calendar and the assets' default ideal cycle time, without ERP orders and shifts
      // (test/erp.test.ts covers kiln start with its ERP).
      '  erp: { enabled: false }',
      'normalization:',
      // Three days: the simulated clock runs a day or two behind the receive time.
      '  maxClockSkewMs: 259200000',
      '',
    ].join('\n'),
  );
  const process = run(KILN_MAIN, ['start', '--config', config], {
    KILN_DATA_DIR: dataDir,
    KILN_HTTP_HOST: '127.0.0.1',
    KILN_HTTP_PORT: String(port),
    KILN_GRPC_PORT: '0',
    KILN_SIMULATOR_OPCUA_PORT: '0',
    KILN_SIMULATOR_SPEED_FACTOR: String(SPEED),
    KILN_ADMIN_API_KEY: ADMIN_KEY,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForReady(base, process, 30_000);
  return { process, base };
}

async function stopKiln(kiln: Kiln): Promise<void> {
  kiln.process.child.kill('SIGTERM');
  expect((await exitWithin(kiln.process, 15_000)).code).toBe(0);
}

async function get<T>(kiln: Kiln, path: string, query: Record<string, string> = {}): Promise<T> {
  const url = `${kiln.base}${path}?${new URLSearchParams(query).toString()}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body}`);
  return JSON.parse(body) as T;
}

interface StateInterval {
  state: string;
  reasonCode: string;
  reasonText: string;
  start: string;
  end: string | null;
}

/** Every interval of the asset's timeline over [fromMs, toMs), page by page. */
async function statesOf(kiln: Kiln, assetId: string, fromMs: number, toMs: number): Promise<StateInterval[]> {
  const items: StateInterval[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<{ items: StateInterval[]; nextCursor?: string }>(kiln, '/api/v1/states', {
      assetId,
      from: iso(fromMs),
      to: iso(toMs),
      pageSize: '1000',
      ...(cursor === undefined ? {} : { cursor }),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

interface OeeJson {
  plannedBusyTimeS: number;
  actualProductionTimeS: number;
  unplannedStopTimeS: number;
  offlineTimeS: number;
  microStopCount: number;
  microStopTimeS: number;
  totalCount: number;
  goodCount: number;
  scrapCount: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  performanceAboveIdeal: boolean;
  settings: { microStopThresholdS: number; defaultIdealCycleTimeS: number } | null;
}

async function oeeOf(kiln: Kiln, assetId: string): Promise<OeeJson> {
  const { results } = await get<{ results: OeeJson[] }>(kiln, '/api/v1/oee', {
    assetId,
    from: iso(range.fromMs),
    to: iso(range.toMs),
    granularity: 'none',
  });
  expect(results).toHaveLength(1);
  const [result] = results;
  if (result === undefined) throw new Error(`no OEE for ${assetId}`);
  return result;
}

/** The time of the latest stored temperature sample of the machine (epoch ms), or 0. */
async function latestSampleMs(kiln: Kiln, assetId: string): Promise<number> {
  const { values } = await get<{ values: { time: string }[] }>(kiln, '/api/v1/telemetry/latest', {
    signal: `${assetId}/temperature`,
  });
  return values[0] === undefined ? 0 : Date.parse(values[0].time);
}

async function waitForSimulatedTime(kiln: Kiln, timeMs: number, timeoutMs: number): Promise<void> {
  let reached: number[] = [];
  await waitUntil(
    async () => {
      reached = await Promise.all(MACHINES.map((assetId) => latestSampleMs(kiln, assetId)));
      return reached.every((ms) => ms >= timeMs);
    },
    {
      timeoutMs,
      intervalMs: 1_000,
      what: `every machine's samples to reach ${iso(timeMs)}`,
      describe: () => `reached ${reached.map(iso).join(', ')}; ${kiln.process.stdout().slice(-1_500)}`,
    },
  );
}

/** The share of a count in a range, worked by hand: all of a point count, the overlap's part of an interval's. */
function shareIn(count: CountDelta, rangeUs: { fromUs: number; toUs: number }): number {
  if (count.fromUs === undefined || count.fromUs >= count.timeUs) {
    return count.timeUs > rangeUs.fromUs && count.timeUs <= rangeUs.toUs ? 1 : 0;
  }
  const overlapUs = Math.min(count.timeUs, rangeUs.toUs) - Math.max(count.fromUs, rangeUs.fromUs);
  return Math.max(0, overlapUs) / (count.timeUs - count.fromUs);
}

const toStateChange = (interval: StateInterval): StateChange => ({
  startUs: Date.parse(interval.start) * 1000,
  state: machineStateFromJSON(`MACHINE_STATE_${interval.state}`),
  reasonCode: interval.reasonCode,
  reasonText: interval.reasonText,
});

describe('kiln start: one command to a live factory', () => {
  /** Per machine, what the first run showed through the API. */
  const before = new Map<string, { states: StateInterval[]; after: StateInterval[]; oee: OeeJson }>();
  let restartSimMs = 0;

  it('runs the simulated factory into assets, telemetry, machine states and OEE, all through REST', async () => {
    const kiln = await startKiln('first', simStartMs);
    try {
      const assets = await get<{ items: { id: string }[] }>(kiln, '/api/v1/assets', {
        level: 'asset',
        pageSize: '1000',
      });
      expect(assets.items.map((asset) => asset.id).sort()).toEqual([...MACHINES].sort());

      await waitForSimulatedTime(kiln, settledMs, 90_000);

      const { series } = await get<{ series: { buckets: { count: number | null; avg: number | null }[] }[] }>(
        kiln,
        '/api/v1/telemetry',
        {
          signal: `${MACHINES[0] ?? ''}/temperature`,
          from: iso(range.fromMs),
          to: iso(range.toMs),
          bucket: '1m',
        },
      );
      expect(series).toHaveLength(1);
      const buckets = series[0]?.buckets ?? [];
      expect(buckets.length).toBeGreaterThan(10);
      expect(buckets.every((bucket) => (bucket.count ?? 0) > 0 && typeof bucket.avg === 'number')).toBe(true);

      for (const assetId of MACHINES) {
        const states = await statesOf(kiln, assetId, range.fromMs, range.toMs);
        expect(states.length).toBeGreaterThan(0);
        const after = await statesOf(kiln, assetId, range.toMs, settledMs);
        const oee = await oeeOf(kiln, assetId);
        expect(oee.settings).toMatchObject(PLANT_SETTINGS);
        if (oee.actualProductionTimeS > 0 && oee.totalCount > 0) {
          expect(oee.oee).toBeGreaterThan(0);
          // Performance is not capped (ISO 22400-2): the simulator runs some orders at 0.85 of the plant's ideal
          // cycle time (10 s), and without ERP orders OEE knows only the plant's. Above 1 it must say so.
          expect(oee.oee ?? 0).toBeLessThanOrEqual(oee.performanceAboveIdeal ? Infinity : 1);
        }
        before.set(assetId, { states, after, oee });
      }
      // The simulated machines run most of the time: most of them must have produced.
      const running = [...before.values()].filter(({ oee }) => (oee.oee ?? 0) > 0);
      expect(running.length).toBeGreaterThanOrEqual(MACHINES.length / 2);

      // Predictive maintenance scores every machine once per feature window (10 min) while it learns its baseline
      // (8 operating hours): health 100, baseline not ready, and no alert yet.
      for (const assetId of MACHINES) {
        const health = await get<{ healthIndex: number; baselineReady: boolean }>(
          kiln,
          `/api/v1/assets/${encodeURIComponent(assetId)}/health`,
        );
        expect(health).toMatchObject({ healthIndex: 100, baselineReady: false });
      }
      const alerts = await get<{ items: unknown[] }>(kiln, '/api/v1/alerts');
      expect(alerts.items).toEqual([]);
    } finally {
      await stopKiln(kiln);
    }
  });

  it("gives the OEE core's answer over the stored states and counts", async () => {
    expect(before.size).toBe(MACHINES.length);
    // After the stop, PGlite's files belong to nobody else: the counts (which no route returns) come from there.
    const db = await PgliteDatabase.create({ dataDir: join(dataDir, 'db') });
    const countsOf = new Map<string, CountDelta[]>();
    try {
      const { rows } = await db.query<{
        asset_id: string;
        time_us: string;
        interval_start_us: string | null;
        total_count: number;
        good_count: number;
        scrap_count: number;
        order_id: string;
      }>(
        // A count covers (interval_start, time]: those ending in the range and those straddling its end.
        `SELECT asset_id, (extract(epoch FROM time) * 1000000)::bigint::text AS time_us,
                (extract(epoch FROM interval_start) * 1000000)::bigint::text AS interval_start_us,
                total_count, good_count, scrap_count, order_id
           FROM kiln.production_counts
          WHERE time > $1 AND (time <= $2 OR interval_start < $2) ORDER BY asset_id, time`,
        [iso(range.fromMs), iso(range.toMs)],
      );
      for (const row of rows) {
        const counts = countsOf.get(row.asset_id) ?? [];
        counts.push({
          timeUs: Number(row.time_us),
          ...(row.interval_start_us === null ? {} : { fromUs: Number(row.interval_start_us) }),
          totalCount: row.total_count,
          goodCount: row.good_count,
          scrapCount: row.scrap_count,
          ...(row.order_id === '' ? {} : { orderId: row.order_id }),
        });
        countsOf.set(row.asset_id, counts);
      }
      // No ERP here: the ideal cycle time is the asset's default for every part.
      expect((await db.query('SELECT 1 FROM kiln.production_orders LIMIT 1')).rows).toEqual([]);
      // The first run's simulated end, where the second run's clock resumes (a minute later).
      const { rows: last } = await db.query<{ last_ms: string }>(
        `SELECT (extract(epoch FROM max(time)) * 1000)::bigint::text AS last_ms FROM kiln.telemetry`,
      );
      restartSimMs = Number(last[0]?.last_ms ?? 0) + MINUTE_MS;
    } finally {
      await db.close();
    }
    expect(restartSimMs).toBeGreaterThan(settledMs);

    const calendar = calendarFor(MACHINES[0] ?? '', readCalendarFile(EMBEDDED_SHIFTS_FILE));
    if (calendar === undefined) throw new Error('the embedded calendar has no shifts for the machines');
    const rangeUs = { fromUs: range.fromMs * 1000, toUs: range.toMs * 1000 };
    for (const [assetId, seen] of before) {
      // What the OEE service reads for a range: the changes inside it and the next change to another state,
      // which ends the run in force at its end (and decides whether that run is a micro-stop).
      const last = seen.states[seen.states.length - 1]?.state;
      const ending = seen.after.find(
        (interval) => interval.state !== last && Date.parse(interval.start) >= range.toMs,
      );
      const expected = computeOee({
        range: rangeUs,
        states: [...seen.states, ...(ending === undefined ? [] : [ending])].map(toStateChange),
        counts: countsOf.get(assetId) ?? [],
        shifts: calendarShifts(calendar, rangeUs, 0),
        settings: PLANT_SETTINGS,
      });
      const counts = countsOf.get(assetId) ?? [];
      const handTotal = counts.reduce((sum, count) => sum + count.totalCount * shareIn(count, rangeUs), 0);
      expect({ assetId, totalCount: seen.oee.totalCount }).toEqual({
        assetId,
        totalCount: expect.closeTo(handTotal, 9),
      });
      expect({
        assetId,
        plannedBusyTimeS: seen.oee.plannedBusyTimeS,
        actualProductionTimeS: seen.oee.actualProductionTimeS,
        unplannedStopTimeS: seen.oee.unplannedStopTimeS,
        offlineTimeS: seen.oee.offlineTimeS,
        microStopCount: seen.oee.microStopCount,
        totalCount: seen.oee.totalCount,
        goodCount: seen.oee.goodCount,
        scrapCount: seen.oee.scrapCount,
      }).toEqual({
        assetId,
        plannedBusyTimeS: expected.plannedBusyTimeS,
        actualProductionTimeS: expected.actualProductionTimeS,
        unplannedStopTimeS: expected.unplannedStopTimeS,
        offlineTimeS: expected.offlineTimeS,
        microStopCount: expected.microStopCount,
        totalCount: expected.totalCount,
        goodCount: expected.goodCount,
        scrapCount: expected.scrapCount,
      });
      expect(seen.oee.oee ?? Number.NaN).toBeCloseTo(expected.oee ?? Number.NaN, 12);
      expect(seen.oee.availability ?? Number.NaN).toBeCloseTo(expected.availability ?? Number.NaN, 12);
      expect(seen.oee.performance ?? Number.NaN).toBeCloseTo(expected.performance ?? Number.NaN, 12);
      expect(seen.oee.quality ?? Number.NaN).toBeCloseTo(expected.quality ?? Number.NaN, 12);
    }
  });

  it('keeps its history across a restart on the same data directory, and resumes', async () => {
    expect(restartSimMs).toBeGreaterThan(0);
    const kiln = await startKiln('second', restartSimMs);
    try {
      const assets = await get<{ items: { id: string }[] }>(kiln, '/api/v1/assets', {
        level: 'asset',
        pageSize: '1000',
      });
      expect(assets.items.map((asset) => asset.id).sort()).toEqual([...MACHINES].sort());
      for (const [assetId, seen] of before) {
        // An interval still running when the first run was asked may have ended before that run stopped.
        const stored = await statesOf(kiln, assetId, range.fromMs, range.toMs);
        expect(
          stored.map((interval, i) =>
            seen.states[i]?.end === null ? { ...interval, end: null, durationS: null } : interval,
          ),
        ).toEqual(seen.states);
        expect(await oeeOf(kiln, assetId)).toEqual(seen.oee);
      }
      // It resumes: samples and state changes from the second run's simulated clock.
      await waitForSimulatedTime(kiln, restartSimMs + 5 * MINUTE_MS, 60_000);
      await waitUntil(
        async () => {
          const after = await Promise.all(
            MACHINES.map((assetId) => statesOf(kiln, assetId, restartSimMs, restartSimMs + 86_400_000)),
          );
          return after.some((states) =>
            states.some((interval) => Date.parse(interval.start) >= restartSimMs),
          );
        },
        { timeoutMs: 30_000, intervalMs: 1_000, what: 'machine states stored after the restart' },
      );
    } finally {
      await stopKiln(kiln);
    }
  });
});
