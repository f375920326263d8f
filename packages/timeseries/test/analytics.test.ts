// The analysts' views of migration 005 (docs/analytics.md) on plain PostgreSQL and on TimescaleDB (PGlite):
// each view answers hand-computed values for a few stored rows, and the role kiln_analyst reads the views and
// nothing else. The figures are stored exactly as the OEE service stores them (OeeResult.toJSON).
import { randomBytes } from 'node:crypto';
import { OeeResult, OeeWindowKind } from '@kiln/contracts';
import {
  HistorianWriter,
  migrate,
  PgDatabase,
  PgliteDatabase,
  refreshRollups,
  type Database,
  type StorageBackend,
} from '../src';
import {
  ANALYST_ROLE,
  ANALYTICS_VIEWS,
  analyticsSchemaName,
  analystRoleStatement,
  COUNT_ANALYTICS_VIEWS,
  MAINTENANCE_ANALYTICS_VIEWS,
} from '../src/migrations';
import { analyticsViews } from '../src/migrations/005-analytics-views';
import { oeeGoodIdealTime } from '../src/migrations/010-oee-good-ideal-time';
import { ASSET, STATES } from './historian-contract';
import { dropSchema, HOUR, MINUTE, openPostgres, postgresUrl, SECOND, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

const OTHER_ASSET = 'acme/plant-1/pressing/line-2/press-05';
const KIND = { HOUR: 'HOUR', SHIFT: 'SHIFT', ORDER: 'ORDER', DAY: 'DAY' } as const;

const at = (epochUs: number) => new Date(epochUs / 1000);

/** Numbers rounded to 10 significant digits, so hand-computed fractions compare with stored doubles. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(10));
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  }
  return value;
}

// An hour at 5 s ideal cycle time: 3600 s planned, 600 s breakdown, 500 parts of which 20 scrap.
// A = 3000/3600, P = 500 x 5 / 3000 = 2500/3000, Q = 480/500, OEE = 480 x 5 / 3600 = 2/3.
const HOUR_RESULT = OeeResult.fromPartial({
  assetId: ASSET,
  windowKind: OeeWindowKind.OEE_WINDOW_KIND_HOUR,
  windowStartUs: T0 + 6 * HOUR,
  windowEndUs: T0 + 7 * HOUR,
  calendarTimeS: 3600,
  plannedBusyTimeS: 3600,
  actualProductionTimeS: 3000,
  unplannedStopTimeS: 600,
  microStopCount: 3,
  microStopTimeS: 90,
  totalCount: 500,
  goodCount: 480,
  scrapCount: 20,
  idealProductionTimeS: 2500,
  availability: 3000 / 3600,
  performance: 2500 / 3000,
  quality: 480 / 500,
  oee: 2 / 3,
  teep: 2 / 3,
  losses: { breakdownS: 600, smallStopsS: 90, reducedSpeedS: 410, productionRejectsS: 100 },
  mtbfS: 3000,
  mttrS: 600,
  settings: { microStopThresholdS: 120, defaultIdealCycleTimeS: 5 },
});

const EXPECTED_HOUR = {
  asset_id: ASSET,
  window_start: at(T0 + 6 * HOUR),
  window_end: at(T0 + 7 * HOUR),
  calendar_time_s: 3600,
  planned_busy_time_s: 3600,
  run_time_s: 3000,
  unplanned_stop_time_s: 600,
  offline_time_s: 0,
  micro_stop_count: 3,
  micro_stop_time_s: 90,
  ideal_production_time_s: 2500,
  total_count: 500,
  good_count: 480,
  scrap_count: 20,
  availability: 0.8333333333,
  performance: 0.8333333333,
  quality: 0.96,
  oee: 0.6666666667,
  teep: 0.6666666667,
  breakdown_loss_s: 600,
  setup_adjustment_loss_s: 0,
  small_stops_loss_s: 90,
  reduced_speed_loss_s: 410,
  startup_rejects_loss_s: 0,
  production_rejects_loss_s: 100,
  mtbf_s: 3000,
  mttr_s: 600,
  performance_above_ideal: false,
  settings: {
    microStopThresholdS: 120,
    noOrderIsPlanned: false,
    defaultIdealCycleTimeS: 5,
    plannedStopsInAvailability: false,
    startupPeriodS: 0,
  },
  revision: 1,
  computed_at: at(T0 + 8 * HOUR),
  // 480 good x 5 s (migration 10): ideal production time x quality.
  good_ideal_time_s: 2400,
};

// A line of two machines with different ideal cycle times over one 8 h shift, as the OEE core stores them:
//   m1 at 0.5 s: PBT = APT = 28,800 s, 40,000 parts, 36,000 good: ideal 20,000 s, good ideal 18,000 s
//   m2 at 2 s: PBT 28,800 s, APT 25,200 s, 10,000 parts, 9,900 good: ideal 20,000 s, good ideal 19,800 s
//   line: A = 54,000 / 57,600 = 0.9375, P = 40,000 / 54,000, Q = 37,800 / 40,000 = 0.945,
//         OEE = 37,800 / 57,600 = 0.65625 (counting parts alike: Q = 0.918, OEE = 0.6375)
const MIXED_LINE = 'acme/plant-1/pressing/line-9';
function mixedLineShift(
  machine: string,
  ideal: number,
  total: number,
  good: number,
  runS: number,
): OeeResult {
  const pbtS = 28_800;
  const idealS = total * ideal;
  return OeeResult.fromPartial({
    assetId: `${MIXED_LINE}/${machine}`,
    windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
    windowStartUs: T0 + 30 * HOUR,
    windowEndUs: T0 + 38 * HOUR,
    windowRef: `early@2026-01-06`,
    calendarTimeS: pbtS,
    plannedBusyTimeS: pbtS,
    actualProductionTimeS: runS,
    unplannedStopTimeS: pbtS - runS,
    totalCount: total,
    goodCount: good,
    scrapCount: total - good,
    idealProductionTimeS: idealS,
    availability: runS / pbtS,
    performance: idealS / runS,
    quality: good / total,
    oee: (idealS / pbtS) * (good / total),
    teep: (idealS / pbtS) * (good / total),
    settings: { microStopThresholdS: 120, defaultIdealCycleTimeS: ideal },
  });
}

/** An ERP shift (a row in shifts), a calendar shift without planned busy time, an order and a day. */
function otherResults(): OeeResult[] {
  const { windowKind: _kind, windowStartUs: _start, windowEndUs: _end, ...figures } = HOUR_RESULT;
  return [
    {
      ...figures,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      windowStartUs: T0 + 6 * HOUR,
      windowEndUs: T0 + 14 * HOUR,
      windowRef: 'S-0105-E',
    },
    OeeResult.fromPartial({
      assetId: ASSET,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
      windowStartUs: T0 + 14 * HOUR,
      windowEndUs: T0 + 22 * HOUR,
      windowRef: 'late@2026-01-05',
      calendarTimeS: 8 * 3600,
      offlineTimeS: 8 * 3600,
      performanceAboveIdeal: true,
    }),
    {
      ...figures,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_ORDER,
      windowStartUs: T0 + 6 * HOUR,
      windowEndUs: T0 + 7 * HOUR,
      windowRef: 'ORD-1',
    },
    {
      ...figures,
      windowKind: OeeWindowKind.OEE_WINDOW_KIND_DAY,
      windowStartUs: T0,
      windowEndUs: T0 + 24 * HOUR,
    },
  ];
}

const KIND_NAMES: Record<number, string> = {
  [OeeWindowKind.OEE_WINDOW_KIND_HOUR]: KIND.HOUR,
  [OeeWindowKind.OEE_WINDOW_KIND_SHIFT]: KIND.SHIFT,
  [OeeWindowKind.OEE_WINDOW_KIND_ORDER]: KIND.ORDER,
  [OeeWindowKind.OEE_WINDOW_KIND_DAY]: KIND.DAY,
};

// The columns and JSON of services/oee/src/store.ts upsertResult.
async function storeResult(db: Database, schema: string, result: OeeResult): Promise<void> {
  const figures = OeeResult.toJSON({ ...result, revision: 0, computedTimeUs: 0 });
  await db.query(
    `INSERT INTO "${schema}".oee_results (asset_id, window_kind, window_start, window_end, window_ref,
       availability, performance, quality, oee, teep, planned_busy_time_s, total_count, good_count, figures,
       settings, computed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16)`,
    [
      result.assetId,
      KIND_NAMES[result.windowKind],
      at(result.windowStartUs).toISOString(),
      at(result.windowEndUs).toISOString(),
      result.windowRef,
      result.availability ?? null,
      result.performance ?? null,
      result.quality ?? null,
      result.oee ?? null,
      result.teep ?? null,
      result.plannedBusyTimeS,
      result.totalCount,
      result.goodCount,
      JSON.stringify(figures),
      JSON.stringify(result.settings ?? {}),
      at(T0 + 8 * HOUR).toISOString(),
    ],
  );
}

async function load(db: Database, schema: string): Promise<void> {
  const writer = new HistorianWriter(db, { schema });
  await writer.writeStates([
    ...STATES,
    { assetId: OTHER_ASSET, timeUs: T0 + 100 * SECOND, state: 'RUNNING' },
    { assetId: OTHER_ASSET, timeUs: T0 + 200 * SECOND, state: 'IDLE' },
  ]);
  const vibration = { assetId: ASSET, name: 'vibration', unit: 'mm/s', dataType: 'number' as const };
  await writer.writeNamedTelemetry(
    [
      [5, 1],
      [20, 2],
      [40, 3],
      [70, 5],
    ].map(([seconds = 0, value = 0]) => ({
      signal: vibration,
      timeUs: T0 + seconds * SECOND,
      value,
      valueText: null,
      quality: 1,
    })),
  );
  await refreshRollups(db, { schema, fromUs: T0, toUs: T0 + 70 * SECOND });
  await db.query(
    `INSERT INTO "${schema}".shifts (asset_id, shift_id, name, start_time, end_time, changed_at)
     VALUES ($1, 'S-0105-E', 'Early', $2, $3, $3)`,
    [ASSET, at(T0 + 6 * HOUR).toISOString(), at(T0 + 14 * HOUR).toISOString()],
  );
  for (const result of [HOUR_RESULT, ...otherResults()]) await storeResult(db, schema, result);
}

async function asAnalyst(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${ANALYST_ROLE}`);
    return (await tx.query(sql)).rows;
  });
}

function analyticsContract(harness: { db: () => Database; schema: string; backend: StorageBackend }) {
  const a = `"${analyticsSchemaName(harness.schema)}"`;
  const select = async (sql: string, params: unknown[] = []) =>
    rounded((await harness.db().query(sql, params)).rows);

  beforeAll(async () => {
    const result = await migrate(harness.db(), { schema: harness.schema });
    expect(result).toEqual({
      schema: harness.schema,
      backend: harness.backend,
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });
    await load(harness.db(), harness.schema);
  });

  it('puts the views in <schema>_analytics', async () => {
    const { rows } = await harness
      .db()
      .query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.views WHERE table_schema = $1 ORDER BY table_name`,
        [analyticsSchemaName(harness.schema)],
      );
    expect(rows.map((row) => row.table_name)).toEqual(
      [...ANALYTICS_VIEWS, ...MAINTENANCE_ANALYTICS_VIEWS, ...COUNT_ANALYTICS_VIEWS].sort(),
    );
  });

  it('gives an hourly window with every figure as a typed column, zero where the message left it out', async () => {
    expect(await select(`SELECT * FROM ${a}.oee_hourly`)).toEqual([EXPECTED_HOUR]);
  });

  it('names ERP shifts from the shifts table and calendar shifts from their id', async () => {
    const rows = await select(
      `SELECT shift_id, shift_name, window_start, planned_busy_time_s, availability, oee, offline_time_s,
              run_time_s, mtbf_s, performance_above_ideal
         FROM ${a}.oee_by_shift ORDER BY window_start`,
    );
    expect(rows).toEqual([
      {
        shift_id: 'S-0105-E',
        shift_name: 'Early',
        window_start: at(T0 + 6 * HOUR),
        planned_busy_time_s: 3600,
        availability: 0.8333333333,
        oee: 0.6666666667,
        offline_time_s: 0,
        run_time_s: 3000,
        mtbf_s: 3000,
        performance_above_ideal: false,
      },
      {
        shift_id: 'late@2026-01-05',
        shift_name: 'late',
        window_start: at(T0 + 14 * HOUR),
        planned_busy_time_s: 0,
        availability: null,
        oee: null,
        offline_time_s: 28800,
        run_time_s: 0,
        mtbf_s: null,
        performance_above_ideal: true,
      },
    ]);
  });

  it('gives order and day windows with the same columns', async () => {
    const order = await select(`SELECT * FROM ${a}.oee_by_order`);
    expect(order).toEqual([{ order_id: 'ORD-1', ...EXPECTED_HOUR }]);
    const day = await select(`SELECT * FROM ${a}.oee_daily`);
    expect(day).toEqual([{ ...EXPECTED_HOUR, window_start: at(T0), window_end: at(T0 + 24 * HOUR) }]);
  });

  it('ends each state where the same asset’s next state starts and leaves the newest one open', async () => {
    const rows = await select(
      `SELECT asset_id, start_time, end_time, duration_s, state, reason_code, reason_text
         FROM ${a}.state_durations ORDER BY asset_id, start_time`,
    );
    const state = (
      asset: string,
      startUs: number,
      endUs: number | null,
      name: string,
      code = '',
      text = '',
    ) => ({
      asset_id: asset,
      start_time: at(startUs),
      end_time: endUs === null ? null : at(endUs),
      duration_s: endUs === null ? null : (endUs - startUs) / SECOND,
      state: name,
      reason_code: code,
      reason_text: text,
    });
    expect(rows).toEqual([
      state(ASSET, T0, T0 + 600 * SECOND, 'RUNNING'),
      state(ASSET, T0 + 600 * SECOND, T0 + 900 * SECOND, 'BREAKDOWN', 'E12', 'hydraulics'),
      state(ASSET, T0 + 900 * SECOND, T0 + HOUR, 'RUNNING'),
      state(ASSET, T0 + HOUR, null, 'PLANNED_STOP', 'BRK', 'break'),
      state(OTHER_ASSET, T0 + 100 * SECOND, T0 + 200 * SECOND, 'RUNNING'),
      state(OTHER_ASSET, T0 + 200 * SECOND, null, 'IDLE'),
    ]);
  });

  it('answers the documented top-stop-reasons query', async () => {
    const rows = await select(
      `SELECT asset_id, state, reason_code, reason_text, count(*)::int4 AS stops, sum(duration_s) / 60 AS minutes
         FROM ${a}.state_durations
        WHERE start_time >= $1 AND start_time < $2 AND state NOT IN ('RUNNING', 'OFFLINE')
          AND end_time IS NOT NULL
        GROUP BY asset_id, state, reason_code, reason_text
        ORDER BY minutes DESC LIMIT 10`,
      [at(T0).toISOString(), at(T0 + 2 * HOUR).toISOString()],
    );
    expect(rows).toEqual([
      {
        asset_id: ASSET,
        state: 'BREAKDOWN',
        reason_code: 'E12',
        reason_text: 'hydraulics',
        stops: 1,
        minutes: 5,
      },
    ]);
  });

  it('gives the 1-minute and 1-hour telemetry rollups with asset, signal name and unit', async () => {
    const bucket = (
      startUs: number,
      widthUs: number,
      avg: number,
      min: number,
      max: number,
      last: number,
      n: number,
    ) => ({
      bucket_start: at(startUs),
      bucket_end: at(startUs + widthUs),
      asset_id: ASSET,
      signal_name: 'vibration',
      unit: 'mm/s',
      avg_value: avg,
      min_value: min,
      max_value: max,
      last_value: last,
      sample_count: n,
    });
    const columns = `bucket_start, bucket_end, asset_id, signal_name, unit, avg_value, min_value, max_value,
      last_value, sample_count::int4 AS sample_count`;
    expect(await select(`SELECT ${columns} FROM ${a}.telemetry_1m ORDER BY bucket_start`)).toEqual([
      bucket(T0, MINUTE, 2, 1, 3, 3, 3),
      bucket(T0 + MINUTE, MINUTE, 5, 5, 5, 5, 1),
    ]);
    expect(await select(`SELECT ${columns} FROM ${a}.telemetry_1h`)).toEqual([
      bucket(T0, HOUR, 2.75, 1, 5, 5, 4),
    ]);
  });

  it('rolls a line of a 0.5 s and a 2 s machine up by ideal time with the documented query', async () => {
    const machines = [
      mixedLineShift('m1', 0.5, 40_000, 36_000, 28_800),
      mixedLineShift('m2', 2, 10_000, 9_900, 25_200),
    ];
    for (const machine of machines) await storeResult(harness.db(), harness.schema, machine);
    try {
      const rows = await select(
        `SELECT sum(run_time_s) / nullif(sum(planned_busy_time_s), 0) AS availability,
                sum(ideal_production_time_s) / nullif(sum(run_time_s), 0) AS performance,
                sum(good_ideal_time_s) / nullif(sum(ideal_production_time_s), 0) AS quality,
                sum(good_ideal_time_s) / nullif(sum(planned_busy_time_s), 0) AS oee
           FROM ${a}.oee_by_shift
          WHERE asset_id LIKE $1`,
        [`${MIXED_LINE}/%`],
      );
      expect(rows).toEqual(
        rounded([{ availability: 0.9375, performance: 40_000 / 54_000, quality: 0.945, oee: 0.65625 }]),
      );
      const [line] = rows as { availability: number; performance: number; quality: number; oee: number }[];
      expect(line && line.availability * line.performance * line.quality).toBeCloseTo(0.65625, 9);
    } finally {
      await harness
        .db()
        .query(`DELETE FROM "${harness.schema}".oee_results WHERE asset_id LIKE $1`, [`${MIXED_LINE}/%`]);
    }
  });

  describe(`the ${ANALYST_ROLE} role`, () => {
    it('exists and cannot log in', async () => {
      const { rows } = await harness
        .db()
        .query(`SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1`, [ANALYST_ROLE]);
      expect(rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);
    });

    it('reads every view', async () => {
      for (const view of ANALYTICS_VIEWS) {
        const rows = await asAnalyst(harness.db(), `SELECT count(*)::int4 AS n FROM ${a}.${view}`);
        expect(rows).toEqual([{ n: expect.any(Number) }]);
        expect(rows[0]?.['n']).toBeGreaterThan(0);
      }
    });

    it('holds SELECT on the views and nothing on the base tables', async () => {
      const { rows } = await harness.db().query<{ privilege: string; granted: boolean }>(
        `SELECT p.privilege, has_table_privilege($1, $2 || '.' || v.name, p.privilege) AS granted
           FROM unnest($3::text[]) AS v(name), unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilege)`,
        [ANALYST_ROLE, a, [...ANALYTICS_VIEWS]],
      );
      expect(rows.filter((row) => row.granted).map((row) => row.privilege)).toEqual(
        ANALYTICS_VIEWS.map(() => 'SELECT'),
      );
      const base = await harness
        .db()
        .query(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage`, [ANALYST_ROLE, harness.schema]);
      expect(base.rows).toEqual([{ usage: false }]);
    });

    it('cannot read a base table', async () => {
      await expect(asAnalyst(harness.db(), `SELECT * FROM "${harness.schema}".oee_results`)).rejects.toThrow(
        /permission denied/,
      );
    });

    it('cannot write through a view or into a base table', async () => {
      await expect(asAnalyst(harness.db(), `DELETE FROM ${a}.oee_hourly`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        asAnalyst(
          harness.db(),
          `INSERT INTO "${harness.schema}".machine_states (asset_id, time, state) VALUES ('x', now(), 'IDLE')`,
        ),
      ).rejects.toThrow(/permission denied/);
    });
  });

  it('migrates again without change, and its statements can run again', async () => {
    const db = harness.db();
    expect(await migrate(db, { schema: harness.schema })).toEqual({
      schema: harness.schema,
      backend: harness.backend,
      applied: [],
    });
    const before = await select(`SELECT * FROM ${a}.oee_hourly`);
    const context = { schema: `"${harness.schema}"`, backend: harness.backend };
    // Migration 10 replaced migration 5's OEE views with a column more: they run again as 10 has them (5's
    // would have to drop that column, which CREATE OR REPLACE VIEW refuses).
    const statements = [
      ...analyticsViews.statements(context).filter((statement) => !/VIEW \S+\.oee_/.test(statement)),
      ...oeeGoodIdealTime.statements(context),
    ];
    expect(statements.filter((statement) => /VIEW \S+\.oee_/.test(statement))).toHaveLength(4);
    await db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(statement);
    });
    expect(await select(`SELECT * FROM ${a}.oee_hourly`)).toEqual(before);
    expect(await asAnalyst(db, `SELECT count(*)::int4 AS n FROM ${a}.state_durations`)).toEqual([{ n: 6 }]);
  });
}

describe('analytics schema names', () => {
  it('appends _analytics to the data schema, kiln giving kiln_analytics', () => {
    expect(analyticsSchemaName('kiln')).toBe('kiln_analytics');
    expect(analyticsSchemaName('plant_2')).toBe('plant_2_analytics');
  });

  it('shortens a long name with a hash instead of letting the server truncate it', () => {
    const long = 'p'.repeat(60);
    const name = analyticsSchemaName(long);
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^p+_[0-9a-f]{8}_analytics$/);
    expect(analyticsSchemaName(`${'p'.repeat(59)}q`)).not.toBe(name);
  });
});

describe('analytics views on plain PostgreSQL', () => {
  const schema = uniqueSchema('an');
  let db: PgDatabase;

  beforeAll(() => {
    db = openPostgres();
  });

  afterAll(async () => {
    await dropSchema(db, schema);
    await db.close();
  });

  analyticsContract({ db: () => db, schema, backend: 'postgres' });

  describe('creating the cluster-wide role', () => {
    const role = `ts_analyst_${randomBytes(4).toString('hex')}`;
    const others = [uniqueSchema('an2'), uniqueSchema('an3')];

    afterAll(async () => {
      for (const other of others) {
        await dropSchema(db, other);
      }
      await db.execute(`DROP ROLE IF EXISTS ${role}`);
    });

    it('lets two schemas create the same role at the same time', async () => {
      for (const other of others) await migrate(db, { schema: other });
      const [first, second] = others.map((other) =>
        analystRoleStatement(`"${analyticsSchemaName(other)}"`, role),
      );
      let firstRan: () => void = () => undefined;
      let commitFirst: () => void = () => undefined;
      const ran = new Promise<void>((resolve) => (firstRan = resolve));
      const commit = new Promise<void>((resolve) => (commitFirst = resolve));
      const one = db.transaction(async (tx) => {
        await tx.execute(first ?? '');
        firstRan();
        await commit;
      });
      await ran;
      const two = db.transaction((tx) => tx.execute(second ?? ''));
      // The second CREATE ROLE waits on the first transaction's uncommitted role before it fails as a duplicate.
      let waited = false;
      for (let attempt = 0; attempt < 100 && !waited; attempt++) {
        const { rows } = await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%${role}%'`,
        );
        waited = rows.length > 0;
        if (waited) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      commitFirst();
      await Promise.all([one, two]);
      expect(waited).toBe(true);
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int4 AS n FROM pg_roles WHERE rolname = $1`,
        [role],
      );
      expect(rows).toEqual([{ n: 1 }]);
      for (const other of others) {
        const usage = await db.query(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage`, [
          role,
          analyticsSchemaName(other),
        ]);
        expect(usage.rows).toEqual([{ usage: true }]);
      }
    });

    it('skips the role with a notice where the migrating user may not create roles', async () => {
      const owner = `ts_owner_${randomBytes(4).toString('hex')}`;
      const statement = analystRoleStatement(`"${analyticsSchemaName(schema)}"`, `${role}_x`);
      await db.execute(`CREATE ROLE ${owner} NOLOGIN NOCREATEROLE`);
      try {
        await db.transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${owner}`);
          await tx.execute(statement);
        });
        const { rows } = await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [`${role}_x`]);
        expect(rows).toEqual([]);
      } finally {
        await db.execute(`DROP ROLE ${owner}`);
      }
    });

    it('works when a non-superuser owns the schema: the views read with its rights', async () => {
      const owner = `ts_owner_${randomBytes(4).toString('hex')}`;
      const owned = uniqueSchema('ano');
      await db.execute(`CREATE ROLE ${owner} NOLOGIN NOCREATEROLE`);
      const url = new URL(postgresUrl);
      await db.execute(`GRANT CREATE ON DATABASE "${url.pathname.slice(1)}" TO ${owner}`);
      url.searchParams.set('options', `-c role=${owner}`);
      const asOwner = new PgDatabase({ connectionString: url.toString() });
      try {
        expect((await asOwner.query(`SELECT current_user AS who`)).rows).toEqual([{ who: owner }]);
        expect((await migrate(asOwner, { schema: owned })).applied).toEqual([
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
        ]);
        await load(asOwner, owned);
        const rows = await asAnalyst(db, `SELECT oee FROM "${analyticsSchemaName(owned)}".oee_hourly`);
        expect(rounded(rows)).toEqual([{ oee: 0.6666666667 }]);
      } finally {
        await asOwner.close();
        await dropSchema(db, owned);
        await db.execute(`DROP OWNED BY ${owner}`);
        await db.execute(`DROP ROLE ${owner}`);
      }
    });
  });
});

describe('analytics views on TimescaleDB (PGlite)', () => {
  let pglite: PgliteDatabase;

  beforeAll(async () => {
    pglite = await PgliteDatabase.create();
  }, 120_000);

  afterAll(async () => {
    await pglite.close();
  });

  analyticsContract({ db: () => pglite, schema: uniqueSchema('ants'), backend: 'timescaledb' });
});
