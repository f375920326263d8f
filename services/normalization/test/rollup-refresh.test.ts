// The rollup refresher on plain PostgreSQL: a run refreshes the minutes written once they have closed, never the
// open minute, never the unwritten minutes between two noted ranges; late data re-notes a closed minute.
import {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_MAX_DEFER_MS,
  DEFAULT_QUIET_MS,
  minutesOf,
  RollupRefresher,
  splitAtMinute,
  splitByBusy,
  type TimeRange,
} from '../src/rollup-refresh';
import { testDatabase, type TestDatabase } from './support/db';
import { testLogger } from './support/logger';

jest.setTimeout(60_000);

const SECOND_US = 1_000_000;
const MINUTE_US = 60 * SECOND_US;
/** 2026-01-05T08:00:00Z. */
const HOUR_START_US = Date.UTC(2026, 0, 5, 8) * 1000;

let database: TestDatabase;
let nowUs = 0;
let refresher: RollupRefresher;

beforeAll(async () => {
  database = await testDatabase();
  refresher = new RollupRefresher({
    db: database.db,
    schema: database.schema,
    backend: 'postgres',
    logger: testLogger(),
    intervalMs: 60_000,
    now: () => nowUs / 1000,
  });
  await refresher.ensureTable();
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  await database.db.execute(
    `TRUNCATE $s.telemetry, $s.telemetry_1m, $s.telemetry_1h, $s.rollup_refresh_pending`.replaceAll(
      '$s',
      `"${database.schema}"`,
    ),
  );
});

/** Writes one sample per second of `[fromUs, toUs)` for signal 1 (value: the second) and notes the range. */
async function write(fromUs: number, toUs: number): Promise<void> {
  const times = Array.from({ length: (toUs - fromUs) / SECOND_US }, (_, i) => fromUs + i * SECOND_US);
  await database.db.query(
    `INSERT INTO "${database.schema}".telemetry (signal_id, time, value)
     SELECT 1, TIMESTAMPTZ 'epoch' + us * INTERVAL '1 microsecond', us / 1e6 % 3600
       FROM unnest($1::int8[]) AS us
     ON CONFLICT (signal_id, time) DO UPDATE SET value = excluded.value`,
    [times],
  );
  const range: TimeRange = { fromUs, toUs: toUs - 1 };
  await refresher.note(range);
}

async function minuteCounts(): Promise<Array<{ minute: number; count: number }>> {
  const { rows } = await database.db.query<{ us: number; n: string }>(
    `SELECT (extract(epoch FROM bucket) * 1e6)::float8 AS us, sample_count::text AS n
       FROM "${database.schema}".telemetry_1m ORDER BY bucket`,
  );
  return rows.map((row) => ({ minute: (Number(row.us) - HOUR_START_US) / MINUTE_US, count: Number(row.n) }));
}

const pending = () => database.count(`SELECT count(*) AS n FROM $schema.rollup_refresh_pending`);
const minute = (n: number) => HOUR_START_US + n * MINUTE_US;
const graceUs = DEFAULT_CLOSE_GRACE_MS * 1000;

describe('the rollup refresher', () => {
  it('leaves the open minute pending and refreshes it once it has closed', async () => {
    await write(minute(5), minute(5) + 30 * SECOND_US);
    nowUs = minute(5) + 31 * SECOND_US;
    expect(await refresher.refreshPending()).toBe(0);
    nowUs = minute(6) + graceUs - 1;
    expect(await refresher.refreshPending()).toBe(0);
    expect(await minuteCounts()).toEqual([]);
    expect(await pending()).toBe(1);

    nowUs = minute(6) + SECOND_US;
    await write(minute(5) + 30 * SECOND_US, minute(6));
    nowUs = minute(6) + graceUs;
    expect(await refresher.refreshPending()).toBe(1);
    expect(await minuteCounts()).toEqual([{ minute: 5, count: 60 }]);
    expect(await pending()).toBe(0);
  });

  it('refreshes the closed part of a range and keeps the open rest pending', async () => {
    await write(minute(7), minute(9) + 20 * SECOND_US);
    nowUs = minute(9) + 21 * SECOND_US;
    expect(await refresher.refreshPending()).toBe(1);
    expect(await minuteCounts()).toEqual([
      { minute: 7, count: 60 },
      { minute: 8, count: 60 },
    ]);
    const rest = await database.db.query<{ from_us: number; to_us: number }>(
      `SELECT (extract(epoch FROM from_time) * 1e6)::float8 AS from_us, (extract(epoch FROM to_time) * 1e6)::float8 AS to_us
         FROM "${database.schema}".rollup_refresh_pending`,
    );
    expect(rest.rows.map((row) => [Number(row.from_us), Number(row.to_us)])).toEqual([
      [minute(9), minute(9) + 20 * SECOND_US - 1],
    ]);
    nowUs = minute(10) + graceUs;
    expect(await refresher.refreshPending()).toBe(1);
    expect((await minuteCounts()).at(-1)).toEqual({ minute: 9, count: 20 });
    expect(await pending()).toBe(0);
  });

  it('refreshes a late sample of a closed minute and the hour around it', async () => {
    await write(minute(1), minute(3));
    nowUs = minute(40);
    await refresher.refreshPending();
    await database.db.query(
      `INSERT INTO "${database.schema}".telemetry (signal_id, time, value)
       VALUES (1, TIMESTAMPTZ 'epoch' + $1::int8 * INTERVAL '1 microsecond', 1e6)`,
      [minute(1) + 500_000],
    );
    await refresher.note({ fromUs: minute(1) + 500_000, toUs: minute(1) + 500_000 });
    // Noted just now: the minute may still be written; once it has been quiet for a while it is refreshed.
    expect(await refresher.refreshPending()).toBe(0);
    nowUs += DEFAULT_QUIET_MS * 1000 + 1;
    expect(await refresher.refreshPending()).toBe(1);
    expect(await minuteCounts()).toEqual([
      { minute: 1, count: 61 },
      { minute: 2, count: 60 },
    ]);
    const { rows } = await database.db.query<{ max: number; n: string }>(
      `SELECT max_value AS max, sample_count::text AS n FROM "${database.schema}".telemetry_1h`,
    );
    expect(rows).toEqual([{ max: 1e6, n: '121' }]);
  });

  it('does not join written minutes across the unwritten minutes between them', async () => {
    await write(minute(0), minute(40));
    nowUs = minute(41);
    await refresher.refreshPending();
    // A late sample at minute 2 and the newest minute: two small refreshes, not the 38 minutes between them.
    await write(minute(2) + 10 * SECOND_US, minute(2) + 11 * SECOND_US);
    await write(minute(40), minute(41));
    nowUs = minute(42);
    expect(await refresher.refreshPending()).toBe(2);
    expect((await minuteCounts()).length).toBe(41);
  });

  it('refreshes every other minute when one cannot be rolled up, and keeps that one pending', async () => {
    // Two values near the largest double in one minute: PostgreSQL's float8 avg and sum of the minute overflow
    // ('value out of range: overflow'), as a Modbus register pair of garbage read as a float64 can give. At a
    // steady rate the minutes written join into one range; the minutes around the bad one must still be rolled up.
    nowUs = minute(31) + SECOND_US;
    await write(minute(10), minute(13));
    await database.db.query(
      `INSERT INTO "${database.schema}".telemetry (signal_id, time, value)
       VALUES (2, TIMESTAMPTZ 'epoch' + $1::int8 * INTERVAL '1 microsecond', 1.7e308),
              (2, TIMESTAMPTZ 'epoch' + ($1::int8 + 1000000) * INTERVAL '1 microsecond', 1.7e308)`,
      [minute(11)],
    );
    await refresher.note({ fromUs: minute(11), toUs: minute(11) + SECOND_US });
    await write(minute(30), minute(31));
    nowUs = minute(40);
    await refresher.refreshPending();
    expect((await minuteCounts()).map((one) => one.minute)).toEqual([10, 12, 30]);
    const left = await database.db.query<{ from_us: string; to_us: string }>(
      `SELECT (extract(epoch FROM from_time) * 1e6)::int8::text AS from_us,
              (extract(epoch FROM to_time) * 1e6)::int8::text AS to_us
         FROM "${database.schema}".rollup_refresh_pending`,
    );
    expect(left.rows.map((row) => [Number(row.from_us), Number(row.to_us)])).toEqual([
      [minute(11), minute(12) - 1],
    ]);
  });

  it('refreshes a minute once its writes have moved past it, not at every run while a backlog fills it', async () => {
    // Normalization 20 minutes behind (a backlog in Kafka, past the maximum or after an outage): every minute it
    // writes has closed by the wall clock. Refreshed at every run while it fills, a minute of 100,000 samples/s
    // would be re-read from 6 million raw rows four times or more, and the stored rate falls as the backlog grows.
    const step = async (fromS: number, toS: number) => {
      nowUs += 15 * SECOND_US;
      await write(minute(5) + fromS * SECOND_US, minute(5) + toS * SECOND_US);
      return refresher.refreshPending();
    };
    nowUs = minute(25);
    expect(await step(0, 20)).toBe(0);
    expect(await step(20, 40)).toBe(0);
    expect(await step(40, 80)).toBe(0);
    expect(await minuteCounts()).toEqual([]);
    // The writes are in minute 6 now: minute 5 is whole, and refreshed once.
    expect(await step(80, 120)).toBe(1);
    expect(await minuteCounts()).toEqual([{ minute: 5, count: 60 }]);
    nowUs += 15 * SECOND_US;
    expect(await refresher.refreshPending()).toBe(1);
    expect(await minuteCounts()).toEqual([
      { minute: 5, count: 60 },
      { minute: 6, count: 60 },
    ]);
    expect(await pending()).toBe(0);
  });

  it('refreshes a minute that is written without pause once it has waited the longest deferral', async () => {
    // A source whose clock is stuck writes into one closed minute for ever: its rollup still follows, at this pace.
    nowUs = minute(25);
    let refreshed = 0;
    for (let run = 0; run * 15 * SECOND_US <= DEFAULT_MAX_DEFER_MS * 1000; run += 1) {
      await write(minute(5) + (run % 60) * SECOND_US, minute(5) + ((run % 60) + 1) * SECOND_US);
      refreshed += await refresher.refreshPending();
      nowUs += 15 * SECOND_US;
    }
    expect(refreshed).toBe(1);
    expect((await minuteCounts()).map((one) => one.minute)).toEqual([5]);
  });

  it('does not let a range noted by a clock years ahead hold its minute for ever', async () => {
    // Another normalization instance on a host whose clock is wrong: its note looks "just written" at every run.
    nowUs = minute(25);
    await write(minute(5), minute(5) + SECOND_US);
    await database.db.query(
      `UPDATE "${database.schema}".rollup_refresh_pending SET noted_at = TIMESTAMPTZ '3000-01-01 00:00:00+00'`,
    );
    expect(await refresher.refreshPending()).toBe(0);
    nowUs += DEFAULT_MAX_DEFER_MS * 1000 + 1;
    expect(await refresher.refreshPending()).toBe(1);
    expect(await minuteCounts()).toEqual([{ minute: 5, count: 1 }]);
    expect(await pending()).toBe(0);
  });

  it('splits a range into the parts outside and inside the minutes still written', () => {
    const busy = [
      minutesOf({ fromUs: minute(2) + 5, toUs: minute(3) + 5 }),
      minutesOf({ fromUs: minute(6), toUs: minute(6) }),
    ];
    expect(busy).toEqual([
      { fromUs: minute(2), toUs: minute(4) - 1 },
      { fromUs: minute(6), toUs: minute(7) - 1 },
    ]);
    expect(splitByBusy({ fromUs: minute(0), toUs: minute(9) - 1 }, busy)).toEqual({
      outside: [
        { fromUs: minute(0), toUs: minute(2) - 1 },
        { fromUs: minute(4), toUs: minute(6) - 1 },
        { fromUs: minute(7), toUs: minute(9) - 1 },
      ],
      inside: busy,
    });
    expect(splitByBusy({ fromUs: minute(2) + 9, toUs: minute(5) }, busy)).toEqual({
      outside: [{ fromUs: minute(4), toUs: minute(5) }],
      inside: [{ fromUs: minute(2) + 9, toUs: minute(4) - 1 }],
    });
    expect(splitByBusy({ fromUs: minute(6) + 1, toUs: minute(6) + 2 }, busy)).toEqual({
      outside: [],
      inside: [{ fromUs: minute(6) + 1, toUs: minute(6) + 2 }],
    });
    expect(splitByBusy({ fromUs: minute(8), toUs: minute(8) + 2 }, busy).inside).toEqual([]);
  });

  it('cuts a range of minutes near its middle, at a minute boundary', () => {
    expect(splitAtMinute({ fromUs: minute(10) + 5, toUs: minute(10) + 50 })).toBeUndefined();
    expect(splitAtMinute({ fromUs: minute(10) + 5, toUs: minute(11) + 7 })).toEqual([
      { fromUs: minute(10) + 5, toUs: minute(11) - 1 },
      { fromUs: minute(11), toUs: minute(11) + 7 },
    ]);
    expect(splitAtMinute({ fromUs: minute(10), toUs: minute(14) + 1 })).toEqual([
      { fromUs: minute(10), toUs: minute(13) - 1 },
      { fromUs: minute(13), toUs: minute(14) + 1 },
    ]);
  });
});
